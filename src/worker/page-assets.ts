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

/** The stylesheet and, when the page has one, the script of a page. */
export async function pageAssets(env: Env, script: "tracking" | "console" | null): Promise<PageAssets> {
  const files = await assetManifest(env);
  const css = files["pages.css"];
  if (!css) throw new Error("asset-manifest.json names no pages.css");
  return { css, script: script ? (files[`${script}.js`] ?? null) : null };
}
