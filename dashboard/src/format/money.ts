// The ONE place where the API's cents become shillings and back (contract §3: amounts are KES cents).

const CENTS_PER_SHILLING = 100;

const kes = new Intl.NumberFormat("en-KE", {
  style: "currency",
  currency: "KES",
  currencyDisplay: "code",
  minimumFractionDigits: 0,
  maximumFractionDigits: 2,
});

/** "KES 1,500" for 150000 cents (the non-breaking space Intl puts after the code becomes a plain one). */
export function formatKes(cents: number): string {
  return kes.format(cents / CENTS_PER_SHILLING).replace(/\u00a0/g, " ");
}

/** Whole shillings typed by a person ("1,500") to cents, or null when it is not a whole positive amount. */
export function shillingsToCents(text: string): number | null {
  const cleaned = text.replace(/[\s,]/g, "");
  if (!/^\d{1,9}$/.test(cleaned)) return null;
  const shillings = Number(cleaned);
  return shillings > 0 ? shillings * CENTS_PER_SHILLING : null;
}
