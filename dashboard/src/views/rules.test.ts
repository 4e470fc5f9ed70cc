import { describe, expect, it } from "vitest";
import { intent } from "../test/fakeApi";
import { summarize, percent } from "./overviewStats";
import { matches, upsert } from "./paymentFilters";

describe("today's figures", () => {
  it("counts volume from succeeded payments only, and the success rate over settled ones", () => {
    const summary = summarize([
      intent({ status: "succeeded", amount: 150000 }),
      intent({ status: "succeeded", amount: 100 }),
      intent({ status: "failed", amount: 99900, last_payment_error: { code: "insufficient_funds", message: "" } }),
      intent({ status: "failed", last_payment_error: { code: "wrong_pin", message: "" } }),
      intent({ status: "failed", last_payment_error: { code: "insufficient_funds", message: "" } }),
      intent({ status: "processing", amount: 5_000_000 }),
      intent({ status: "canceled" }),
    ]);
    expect(summary.volume).toBe(150100);
    expect(summary.successRate).toBeCloseTo(2 / 5);
    expect(percent(summary.successRate)).toBe("40.0%");
    expect(summary.failuresByReason).toEqual([
      { reason: "insufficient_funds", count: 2 },
      { reason: "wrong_pin", count: 1 },
    ]);
    expect(summary.total).toBe(7);
  });

  it("has no success rate before anything settles", () => {
    expect(summarize([intent({ status: "processing" })]).successRate).toBeNull();
    expect(percent(null)).toBe("—");
  });
});

describe("payment search and live ordering", () => {
  const paid = intent({
    id: "pi_ABCDEFGHIJKLMNOPQRSTUVWX",
    phone_number: "254712345678",
    created: 1000,
    mpesa: { checkout_request_id: null, merchant_request_id: null, receipt_number: "NLJ7RT61SV", transaction_date: null, phone_number: "254712345678" },
  });
  const none = { search: "", from: null, until: null };

  it("finds a phone number however it is typed, a receipt, or an id", () => {
    for (const search of ["0712345678", "+254 712 345 678", "254712345678", "712-345", "nlj7rt61sv", "pi_ABCDEF", paid.id]) {
      expect(matches(paid, { ...none, search })).toBe(true);
    }
    for (const search of ["0799999999", "NLJ7RT61S", "pi_X", "12"]) {
      expect(matches(paid, { ...none, search })).toBe(false);
    }
  });

  it("keeps the date range: from inclusive, until exclusive", () => {
    expect(matches(paid, { ...none, from: 1000 })).toBe(true);
    expect(matches(paid, { ...none, from: 1001 })).toBe(false);
    expect(matches(paid, { ...none, until: 1000 })).toBe(false);
    expect(matches(paid, { ...none, until: 1001 })).toBe(true);
  });

  it("replaces a known intent unless the update is older, and puts a new one in created order", () => {
    const older = intent({ created: 10, updated: 10 });
    const newer = intent({ created: 20, updated: 20 });
    let rows = upsert([newer], older);
    expect(rows.map((r) => r.id)).toEqual([newer.id, older.id]);
    rows = upsert(rows, { ...older, status: "succeeded", updated: 30 });
    expect(rows[1]?.status).toBe("succeeded");
    rows = upsert(rows, { ...older, status: "processing", updated: 15 });
    expect(rows[1]?.status).toBe("succeeded");
  });
});
