import { raw } from "hono/html";
import type { Child } from "hono/jsx";

/** Where the built bundles are (asset-manifest.json of scripts/build-web.mjs). */
export interface PageAssets {
  css: string[];
  script: string | null;
}

/**
 * The HTML around both pages: no inline script or style (the CSP is `default-src 'self'`), one
 * stylesheet, one deferred module. Data for the script travels as a JSON island, which is data,
 * not script, so the CSP lets it be.
 */
export function PageShell(props: { title: string; assets: PageAssets; data?: unknown; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title}</title>
        {props.assets.css.map((href) => (
          <link rel="stylesheet" href={href} />
        ))}
        {props.assets.script ? <script type="module" src={props.assets.script} defer></script> : null}
      </head>
      <body>
        {props.children}
        {props.data === undefined ? null : (
          <script type="application/json" id="page-data">
            {raw(jsonIsland(props.data))}
          </script>
        )}
      </body>
    </html>
  );
}

/** JSON that is safe raw inside a script element: every `<` escaped, so no `</script>` or `<!--`. */
export function jsonIsland(data: unknown): string {
  return JSON.stringify(data).replace(/</g, "\\u003c");
}
