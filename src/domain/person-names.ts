/** How much of a person's name the other side of a delivery sees. */

const namesOf = (name: string) => name.trim().split(/\s+/).filter(Boolean);

/** "John Doe" → "John D.": customers see their driver's first name and an initial, no more. */
export function shortName(name: string): string {
  const [first = "", ...rest] = namesOf(name);
  const last = rest.at(-1);
  return last ? `${first} ${last[0]?.toUpperCase()}.` : first;
}

/** "Asha Rao" → "Asha": a driver sees the customer's first name only. */
export function firstName(name: string): string {
  return namesOf(name)[0] ?? "";
}
