// Which loaded payments a search and date range keep (pure; the status filter is the API's).
import type { PaymentIntent } from "../api/client";

export interface PaymentFilter {
  search: string;
  /** Unix seconds, inclusive; null for no bound. */
  from: number | null;
  /** Unix seconds, exclusive (the midnight after the last day). */
  until: number | null;
}

function digits(text: string): string {
  return text.replace(/\D/g, "");
}

/** Phone numbers match however they were typed: 0712..., +254712..., 254712... */
function phoneMatches(stored: string | null | undefined, typed: string): boolean {
  if (!stored) return false;
  const wanted = digits(typed);
  if (wanted.length < 3) return false;
  const national = wanted.startsWith("0") ? wanted.slice(1) : wanted.startsWith("254") ? wanted.slice(3) : wanted;
  return stored.includes(national);
}

export function matches(intent: PaymentIntent, filter: PaymentFilter): boolean {
  if (filter.from !== null && intent.created < filter.from) return false;
  if (filter.until !== null && intent.created >= filter.until) return false;
  const search = filter.search.trim();
  if (!search) return true;
  const lower = search.toLowerCase();
  return (
    intent.id.toLowerCase() === lower ||
    intent.id.toLowerCase().startsWith(lower) ||
    (intent.mpesa?.receipt_number ?? "").toLowerCase() === lower ||
    phoneMatches(intent.phone_number, search) ||
    phoneMatches(intent.mpesa?.phone_number, search)
  );
}

/** Put a changed or new intent where it belongs in a newest-first list. */
export function upsert(list: PaymentIntent[], intent: PaymentIntent): PaymentIntent[] {
  const index = list.findIndex((item) => item.id === intent.id);
  if (index >= 0) {
    const current = list[index];
    if (current && current.updated > intent.updated) return list;
    const next = list.slice();
    next[index] = intent;
    return next;
  }
  return [intent, ...list].sort((a, b) => b.created - a.created);
}
