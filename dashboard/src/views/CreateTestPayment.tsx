// "Create a test payment" (sandbox only): an intent created and confirmed against a simulator number.
import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import type { PaymentIntent } from "../api/client";
import { useClient } from "../auth/session";
import { ErrorNote, Money } from "../components/common";
import { shillingsToCents } from "../format/money";
import { TEST_PHONES } from "./testPhones";
import { useAction } from "../components/useAction";

export function CreateTestPayment({ onCreated }: { onCreated: (intent: PaymentIntent) => void }) {
  const client = useClient();
  const [amount, setAmount] = useState("100");
  const [phone, setPhone] = useState(TEST_PHONES[0]?.phone ?? "");
  const [description, setDescription] = useState("Test payment");
  const [created, setCreated] = useState<PaymentIntent | null>(null);
  const { run, busy, error } = useAction();
  const cents = shillingsToCents(amount);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (cents === null) return;
    await run("send", async () => {
      const intent = await client.paymentIntents.create({
        amount: cents,
        currency: "kes",
        phone_number: phone,
        description: description || undefined,
        confirm: true,
      });
      setCreated(intent);
      onCreated(intent);
    });
  };

  return (
    <section className="panel" aria-labelledby="test-payment-title">
      <h2 id="test-payment-title">Create a test payment</h2>
      <form className="inline-form" onSubmit={(event) => void submit(event)}>
        <label>
          Amount (KES)
          <input
            inputMode="numeric"
            required
            value={amount}
            aria-invalid={cents === null}
            aria-describedby="amount-rule"
            onChange={(e) => setAmount(e.target.value)}
          />
        </label>
        <label>
          Test phone number
          <select value={phone} onChange={(e) => setPhone(e.target.value)}>
            {TEST_PHONES.map((option) => (
              <option key={option.phone} value={option.phone}>
                {option.phone} — {option.outcome}
              </option>
            ))}
          </select>
        </label>
        <label>
          Description
          <input maxLength={100} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <button type="submit" className="button-primary" disabled={busy !== null || cents === null}>
          {busy ? "Sending…" : "Send test payment"}
        </button>
      </form>
      <p id="amount-rule" className="hint">
        Whole shillings, KES 1 to KES 250,000.
      </p>
      <ErrorNote error={error} />
      {created ? (
        <p role="status">
          Sent <Money cents={created.amount} /> to {created.phone_number}:{" "}
          <Link to={`/payments/${created.id}`}>{created.id}</Link>
        </p>
      ) : null}
    </section>
  );
}
