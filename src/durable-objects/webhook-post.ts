import { webhookTargetProblem } from "../domain/webhook-target";

/** A send gives up after this long, so a hanging receiver costs one slot, not the zone's time. */
const SEND_TIMEOUT_MS = 5000;

/** What a receiver made of one POST: its status, and why it failed (null on a 2xx). */
export interface PostResult {
  status: number | null;
  error: string | null;
}

/**
 * POSTs a signed JSON body to a webhook receiver (ops webhook, delivery subscriptions): the
 * target is checked against the SSRF rules first, redirects are not followed and the answer is
 * read only for its status.
 */
export async function postSigned(url: string, body: string, headers: Record<string, string>, production: boolean): Promise<PostResult> {
  const refused = webhookTargetProblem(url, { production });
  if (refused) return { status: null, error: `target refused: ${refused}` };
  try {
    const response = await fetch(url, {
      method: "POST",
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      headers: { "Content-Type": "application/json", "User-Agent": "dispatch-v2-webhook", ...headers },
    });
    await response.body?.cancel();
    return { status: response.status, error: response.ok ? null : `HTTP ${response.status}` };
  } catch (error) {
    return { status: null, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}
