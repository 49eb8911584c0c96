import { type PageAssets, PageShell } from "./page-shell";

/** GET /docs: the shell of the interactive API reference (its script renders into #reference). */
export function DocsPage(props: { assets: PageAssets }) {
  return (
    <PageShell title="Dispatch v2 API reference" assets={props.assets}>
      <main class="docs">
        <h1 class="visually-hidden">Dispatch v2 API reference</h1>
        <noscript>
          <p>
            The interactive reference needs JavaScript. The document itself is at <a href="/v2/openapi.json">/v2/openapi.json</a>{" "}
            (sockets: <a href="/v2/asyncapi.json">/v2/asyncapi.json</a>).
          </p>
        </noscript>
        <div id="reference"></div>
      </main>
    </PageShell>
  );
}
