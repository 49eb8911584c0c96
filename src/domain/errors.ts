/**
 * A rule said no. The kind maps one-to-one onto an HTTP status at the edge, so domain code
 * never mentions HTTP and the Worker never re-derives why something failed.
 */
export type DomainErrorKind = "conflict" | "not_found" | "forbidden" | "invalid" | "unprocessable" | "unauthorized";

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const conflict = (message: string) => new DomainError("conflict", message);
export const notFound = (message: string) => new DomainError("not_found", message);

/** The driver now lives in another zone; the caller should follow it there. */
export class DriverMovedError extends DomainError {
  constructor(readonly zoneId: string) {
    super("not_found", "Driver has moved to another zone");
  }
}
