export interface LayerRule {
  from: string;
  reason: string;
  forbidden: (target: string) => boolean;
}

export interface ArchitectureResult {
  files: number;
  imports: number;
  /** Strongly connected components of the import graph that hold a cycle, each sorted. */
  components: string[][];
  /** Cycle chains (first file repeated at the end) that together pass through every file of `components`. */
  cycles: string[][];
  layerViolations: string[];
  unresolved: string[];
}

export declare const LAYER_RULES: LayerRule[];
export declare function tokenize(text: string): { t: string; v: string }[];
export declare function importsOf(text: string): { specifier: string; typeOnly: boolean }[];
export declare function checkArchitecture(root?: string): ArchitectureResult;
export declare function formatReport(result: ArchitectureResult): { ok: boolean; lines: string[] };
