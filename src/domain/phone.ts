/**
 * The form in which a driver's phone is shown to customers and trackers: only the last four
 * digits, so a customer can recognise a call without learning the number.
 */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/\D/g, "");
  // Too short to have four digits to show: reveal nothing rather than the whole number.
  return `***-***-${digits.length < 4 ? "****" : digits.slice(-4)}`;
}
