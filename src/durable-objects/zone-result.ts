import { DomainError, type DomainErrorKind, DriverMovedError } from "../domain/errors";

/**
 * What a zone RPC answers. Errors travel as data: RPC keeps only an exception's message, and
 * the Worker needs the kind to choose the HTTP status.
 */
interface ZoneFailure {
  kind: DomainErrorKind;
  message: string;
  /** Set when the driver asked for has moved to that zone. */
  movedTo?: string;
}

export type ZoneResult<T> = { ok: true; value: T } | { ok: false; error: ZoneFailure };

export function toZoneResult<T>(run: () => T): ZoneResult<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof DriverMovedError) {
      return { ok: false, error: { kind: error.kind, message: error.message, movedTo: error.zoneId } };
    }
    if (error instanceof DomainError) return { ok: false, error: { kind: error.kind, message: error.message } };
    throw error;
  }
}
