import { type PageAssets, PageShell } from "./page-shell";

/**
 * GET /console: the shell of the ops console. Everything else is the script's, with the token
 * the operator pastes (kept in sessionStorage only) and the public API.
 */
export function ConsolePage(props: { assets: PageAssets }) {
  return (
    <PageShell title="Dispatch console" assets={props.assets}>
      <main id="console" class="page console">
        <h1>Dispatch console</h1>
        <noscript>The console needs JavaScript.</noscript>
      </main>
    </PageShell>
  );
}
