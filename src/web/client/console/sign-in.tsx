/** @jsxImportSource hono/jsx/dom */
/*
 * Sign-in by token. The token is tried against the API (the zones list, which every ops and
 * admin token may read) before it is kept, so a refused token is never stored and the operator
 * reads the API's reason (wrong role, expired, bad signature) right here.
 */
import { useState } from "hono/jsx/dom";
import { apiClient, messageOf } from "./api";
import { type Session, saveSession, sessionFor } from "./session";

export function SignIn(props: { onSignedIn: (session: Session) => void; notice: string | null }) {
  const [error, setError] = useState<string | null>(props.notice);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const token = String(new FormData(form).get("token") ?? "").trim();
    if (!token) {
      setError("Paste an ops or admin token.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await apiClient(token, () => {}).get("/v2/admin/zones");
      const session = sessionFor(token);
      saveSession(session);
      props.onSignedIn(session);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <form onSubmit={submit}>
        <label for="token">Ops or admin token</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} required />
        <p class="hint">The token stays in this tab only and is forgotten when you sign out or close it.</p>
        <button type="submit" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
        <p id="sign-in-error" class="error" role="alert">
          {error ?? ""}
        </p>
      </form>
    </section>
  );
}
