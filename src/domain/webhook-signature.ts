import { hmacSha256, toHex } from "./hex";

/*
 * The delivery webhooks' signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
 * under the subscription's secret. The timestamp is signed with the body, so a receiver that
 * rejects old timestamps cannot be fed a captured request again later (replay).
 */

export async function timestampedSignature(secret: string, unixSeconds: number, body: string): Promise<string> {
  return `t=${unixSeconds},v1=${toHex(await hmacSha256(secret, `${unixSeconds}.${body}`))}`;
}
