// Today's figures, from the day's payment intents (pure, so it is tested on its own).
import type { Client, PaymentIntent } from "../api/client";

export interface DaySummary {
  /** Sum of succeeded amounts, in cents. */
  volume: number;
  succeeded: number;
  failed: number;
  total: number;
  /** succeeded / (succeeded + failed): intents still open are not counted either way. */
  successRate: number | null;
  failuresByReason: { reason: string; count: number }[];
  /** True when more intents were created today than were read. */
  partial: boolean;
}

export function summarize(intents: PaymentIntent[], partial = false): DaySummary {
  let volume = 0;
  let succeeded = 0;
  let failed = 0;
  const reasons = new Map<string, number>();
  for (const intent of intents) {
    if (intent.status === "succeeded") {
      succeeded += 1;
      volume += intent.amount;
    } else if (intent.status === "failed") {
      failed += 1;
      const reason = intent.last_payment_error?.code ?? "unknown";
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  const settled = succeeded + failed;
  return {
    volume,
    succeeded,
    failed,
    total: intents.length,
    successRate: settled ? succeeded / settled : null,
    failuresByReason: [...reasons.entries()]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    partial,
  };
}

const PAGE = 100;
const MAX_PAGES = 20;

/** Intents created since `since` (newest first), reading at most MAX_PAGES pages. */
export async function intentsSince(client: Client, since: number): Promise<{ intents: PaymentIntent[]; partial: boolean }> {
  const intents: PaymentIntent[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const list = await client.paymentIntents.list({ limit: PAGE, starting_after: after });
    for (const intent of list.data) {
      if (intent.created < since) return { intents, partial: false };
      intents.push(intent);
    }
    const last = list.data[list.data.length - 1];
    if (!list.has_more || !last) return { intents, partial: false };
    after = last.id;
  }
  return { intents, partial: true };
}

export function percent(rate: number | null): string {
  return rate === null ? "—" : `${(rate * 100).toFixed(1)}%`;
}
