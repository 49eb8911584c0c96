/** @jsxImportSource hono/jsx/dom */
/*
 * The ops console: sign in with an ops or admin token, pick a zone, run it from its live board.
 * The page shell holds nothing but this script; all data comes from the public API with the
 * operator's token, so the console can do exactly what the token may do and nothing more.
 * The open zone is in the URL's fragment (#zone=<id>): links to it work and the Back button too.
 */
import { render, useEffect, useMemo, useState } from "hono/jsx/dom";
import { ApiContext, apiClient, useApi } from "./console/api";
import { type Session, clearSession, storedSession } from "./console/session";
import { SignIn } from "./console/sign-in";
import { useZoneBoard } from "./console/use-zone-board";
import { ZoneBoard } from "./console/zone-board";
import { ZonesList } from "./console/zones-list";

function zoneInHash(): string | null {
  return /^#zone=([0-9a-f-]{36})$/i.exec(location.hash)?.[1] ?? null;
}

/** The zones and the open zone's board; the list shows that zone's counts from its live board. */
function OpenZone(props: { session: Session; zoneId: string }) {
  const state = useZoneBoard(useApi(), props.session.token, props.zoneId);
  return (
    <>
      <ZonesList selectedId={props.zoneId} openBoard={state.board} />
      <ZoneBoard state={state} isAdmin={props.session.role === "admin"} />
    </>
  );
}

function Console() {
  const [session, setSession] = useState<Session | null>(storedSession());
  const [notice, setNotice] = useState<string | null>(null);
  const [zoneId, setZoneId] = useState<string | null>(zoneInHash());

  useEffect(() => {
    const onHash = () => setZoneId(zoneInHash());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);

  const signOut = (why: string | null) => {
    clearSession();
    setNotice(why);
    setSession(null);
  };
  // A 401 later on means the token expired or was revoked: back to sign-in, saying so.
  const api = useMemo(() => (session ? apiClient(session.token, (message) => signOut(message)) : null), [session?.token]);

  return (
    <>
      <header class="console-header">
        <h1>Dispatch console</h1>
        {session ? (
          <p class="who">
            Signed in as <strong>{session.role}</strong> of organization {session.org.slice(0, 8)}…{" "}
            <button type="button" class="secondary" onClick={() => signOut(null)}>
              Sign out
            </button>
          </p>
        ) : null}
      </header>
      {session && api ? (
        <ApiContext.Provider value={api}>
          {zoneId ? (
            <OpenZone session={session} zoneId={zoneId} />
          ) : (
            <>
              <ZonesList selectedId={null} openBoard={null} />
              <p>Choose a zone to open its board.</p>
            </>
          )}
        </ApiContext.Provider>
      ) : (
        <SignIn
          notice={notice}
          onSignedIn={(signedIn) => {
            setNotice(null);
            setSession(signedIn);
          }}
        />
      )}
    </>
  );
}

const root = document.getElementById("console");
if (root) render(<Console />, root);
