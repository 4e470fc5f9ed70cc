import { useState, type FormEvent } from "react";
import { ApiError, type CredentialsInput } from "../api/client";
import { useClient } from "../auth/session";
import { DevelopersNav } from "../components/DashboardLayout";
import { ErrorNote, Loading } from "../components/common";
import { useLoad } from "../components/useLoad";
import { ENVIRONMENT_LABEL, useEnvironment } from "../env/environment";
import { Time } from "../format/time";
import { useAction } from "../components/useAction";

const EMPTY: CredentialsInput = {
  consumer_key: "",
  consumer_secret: "",
  business_short_code: "",
  passkey: "",
  transaction_type: "CustomerPayBillOnline",
  party_b: "",
};

export function CredentialsView() {
  const client = useClient();
  const { environment } = useEnvironment();
  // No credentials yet is a 404: show the form, not an error.
  const current = useLoad(
    (api) =>
      api.credentials.retrieve().catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }),
    [],
  );
  const [form, setForm] = useState<CredentialsInput>(EMPTY);
  const [saved, setSaved] = useState(false);
  const { run, busy, error } = useAction();
  const field = (name: keyof CredentialsInput) => ({
    value: form[name] ?? "",
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }),
  });

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    await run("save", async () => {
      const body: CredentialsInput = { ...form };
      if (!body.party_b) delete body.party_b;
      const view = await client.credentials.update(body);
      current.setData(() => view);
      setForm(EMPTY);
      setSaved(true);
    });
  };

  const view = current.data;
  return (
    <>
      <h1>Developers</h1>
      <DevelopersNav />
      <h2>M-Pesa credentials ({ENVIRONMENT_LABEL[environment]})</h2>
      <ErrorNote error={current.error} />
      {current.loading && view === null ? <Loading what="credentials" /> : null}
      {view ? (
        <dl className="facts" aria-label="Current credentials">
          <dt>Shortcode</dt>
          <dd>{view.business_short_code}</dd>
          <dt>Transaction type</dt>
          <dd>{view.transaction_type}</dd>
          <dt>Till (party B)</dt>
          <dd>{view.party_b ?? "—"}</dd>
          <dt>Consumer key</dt>
          <dd>
            <code>••••{view.consumer_key_last4}</code>
          </dd>
          <dt>Consumer secret, passkey</dt>
          <dd>Stored encrypted; never shown</dd>
          <dt>Updated</dt>
          <dd>
            <Time unix={view.updated} />
          </dd>
        </dl>
      ) : !current.loading ? (
        <p className="hint">
          {environment === "sandbox"
            ? "None set: sandbox payments use the server's default sandbox credentials, if it has them."
            : "None set: production payments need your own Daraja credentials."}
        </p>
      ) : null}
      <section className="panel" aria-labelledby="credentials-form-title">
        <h3 id="credentials-form-title">{view ? "Replace credentials" : "Set credentials"}</h3>
        <form className="stack-form" onSubmit={(event) => void save(event)}>
          <label>
            Consumer key
            <input required autoComplete="off" {...field("consumer_key")} />
          </label>
          <label>
            Consumer secret
            <input required type="password" autoComplete="off" {...field("consumer_secret")} />
          </label>
          <label>
            Business shortcode
            <input required inputMode="numeric" {...field("business_short_code")} />
          </label>
          <label>
            Passkey
            <input required type="password" autoComplete="off" {...field("passkey")} />
          </label>
          <label>
            Transaction type
            <select {...field("transaction_type")}>
              <option value="CustomerPayBillOnline">Pay bill (CustomerPayBillOnline)</option>
              <option value="CustomerBuyGoodsOnline">Buy goods (CustomerBuyGoodsOnline)</option>
            </select>
          </label>
          <label>
            Till number (buy goods only)
            <input inputMode="numeric" {...field("party_b")} />
          </label>
          <ErrorNote error={error} />
          {saved ? <p role="status">Saved.</p> : null}
          <button type="submit" className="button-primary" disabled={busy !== null}>
            {busy ? "Saving…" : "Save credentials"}
          </button>
        </form>
      </section>
    </>
  );
}
