import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { formatKes, shillingsToCents } from "./money";
import { dateInputToUnix, startOfToday, Time, utcText } from "./time";

describe("money", () => {
  it("shows cents as KES with thousands separators", () => {
    expect(formatKes(150000)).toBe("KES 1,500");
    expect(formatKes(100)).toBe("KES 1");
    expect(formatKes(25_000_000)).toBe("KES 250,000");
    expect(formatKes(123_456_700)).toBe("KES 1,234,567");
    expect(formatKes(0)).toBe("KES 0");
  });

  it("turns whole shillings typed by a person into cents, refusing anything else", () => {
    expect(shillingsToCents("1,500")).toBe(150000);
    expect(shillingsToCents(" 250000 ")).toBe(25_000_000);
    expect(shillingsToCents("0")).toBeNull();
    expect(shillingsToCents("12.50")).toBeNull();
    expect(shillingsToCents("-5")).toBeNull();
    expect(shillingsToCents("ten")).toBeNull();
  });
});

describe("time", () => {
  it("shows local time with the UTC value on hover", () => {
    render(<Time unix={1764000042} />);
    const shown = screen.getByText((_, element) => element?.tagName === "TIME");
    expect(shown).toHaveAttribute("title", "2025-11-24 16:00:42 UTC");
    expect(shown).toHaveAttribute("datetime", "2025-11-24T16:00:42.000Z");
    expect(utcText(0)).toBe("1970-01-01 00:00:00 UTC");
  });

  it("knows local midnight and reads date inputs as local days", () => {
    const now = new Date(2026, 11, 1, 15, 30);
    expect(startOfToday(now)).toBe(new Date(2026, 11, 1).getTime() / 1000);
    expect(dateInputToUnix("2026-12-01")).toBe(new Date(2026, 11, 1).getTime() / 1000);
    expect(dateInputToUnix("yesterday")).toBeNull();
  });
});
