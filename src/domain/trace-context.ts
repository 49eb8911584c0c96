/*
 * W3C Trace Context (`traceparent: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`): a
 * caller's trace is continued, anything malformed starts a new one, so one delivery can be
 * followed through the logs. Pure: the random bytes are passed in.
 */

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZEROS = /^0+$/;

export interface TraceContext {
  traceId: string;
  /** This service's span: the parent id of anything it calls. */
  spanId: string;
  /** The header to send on: the caller's trace id, this service's span. */
  traceparent: string;
}

/** The trace a request belongs to, from its `traceparent` header (continued) or `fresh` ids. */
export function traceContextOf(header: string | undefined, fresh: { traceId: string; spanId: string }): TraceContext {
  const match = header === undefined ? null : TRACEPARENT.exec(header.trim().toLowerCase());
  const continued = match && !ALL_ZEROS.test(match[1]!) && !ALL_ZEROS.test(match[2]!);
  const traceId = continued ? match[1]! : fresh.traceId;
  const flags = continued ? match[3]! : "01";
  return { traceId, spanId: fresh.spanId, traceparent: `00-${traceId}-${fresh.spanId}-${flags}` };
}
