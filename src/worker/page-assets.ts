import type { PageAssets } from "../web/pages/page-shell";
import type { Env } from "./env";

type Manifest = Record<string, string>;

let manifest: Promise<Manifest> | null = null;

/**
 * The hashed bundle names, from the asset-manifest.json that scripts/build-web.mjs writes next to
 * the bundles; read once per isolate through the ASSETS binding.
 */
async function assetManifest(env: Env): Promise<Manifest> {
  manifest ??= env.ASSETS.fetch(new Request("https://assets.invalid/asset-manifest.json")).then(async (res) => {
    if (!res.ok) throw new Error(`asset-manifest.json: HTTP ${res.status} (run npm run build:web)`);
    return (await res.json()) as Manifest;
  });
  return manifest.catch((error) => {
    manifest = null; // a later request may find the build
    throw error;
  });
}

/** The stylesheets and, when the page has one, the script of a page (the docs page has its own styles too). */
export async function pageAssets(env: Env, script: "tracking" | "console" | "docs" | null): Promise<PageAssets> {
  const files = await assetManifest(env);
  const css = [files["pages.css"], ...(script === "docs" ? [files["docs-styles.css"]] : [])];
  if (css.some((href) => href === undefined)) throw new Error("asset-manifest.json lacks a stylesheet");
  return { css: css as string[], script: script ? (files[`${script}.js`] ?? null) : null };
}
