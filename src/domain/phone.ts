import type { Role } from "../contracts/common";

/**
 * The form in which a driver's phone is shown to customers and trackers: only the last four
 * digits, so a customer can recognise a call without learning the number.
 */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/\D/g, "");
  // Too short to have four digits to show: reveal nothing rather than the whole number.
  return `***-***-${digits.length < 4 ? "****" : digits.slice(-4)}`;
}

/** A driver's phone as `reader` may see it: whole for the driver itself and for admins, else masked. */
export function phoneSeenBy(driver: { id: string; phone: string }, reader: { role: Role; id: string }): string {
  return reader.role === "admin" || reader.id === driver.id ? driver.phone : maskPhone(driver.phone);
}
