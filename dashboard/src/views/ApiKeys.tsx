import { useState, type FormEvent } from "react";
import type { ApiKey } from "../api/client";
import { useClient } from "../auth/session";
import { DevelopersNav } from "../components/DashboardLayout";
import { ErrorNote, Loading, SecretOnce, TableScroll } from "../components/common";
import { useLoad } from "../components/useLoad";
import { ENVIRONMENT_LABEL, useEnvironment } from "../env/environment";
import { Time } from "../format/time";
import { useAction } from "../components/useAction";

const OVERLAPS = [
  { seconds: 0, label: "Now (the old key stops at once)" },
  { seconds: 3600, label: "In 1 hour" },
  { seconds: 86_400, label: "In 24 hours" },
  { seconds: 3 * 86_400, label: "In 3 days" },
  { seconds: 7 * 86_400, label: "In 7 days" },
];

function expiry(key: ApiKey): number | null {
  return key.expires_at ?? key.expires ?? null;
}

export function ApiKeysView() {
  const client = useClient();
  const { environment } = useEnvironment();
  const keys = useLoad((api) => api.apiKeys.list(), []);
  const [type, setType] = useState<ApiKey["type"]>("secret");
  const [overlap, setOverlap] = useState(0);
  const [issued, setIssued] = useState<ApiKey | null>(null);
  const { run, busy, error } = useAction();

  const roll = (event: FormEvent) => {
    event.preventDefault();
    return run("roll", async () => {
      setIssued(await client.apiKeys.roll(type, overlap || undefined));
      keys.reload();
    });
  };

  return (
    <>
      <h1>Developers</h1>
      <DevelopersNav />
      <h2>API keys ({ENVIRONMENT_LABEL[environment]})</h2>
      <ErrorNote error={keys.error} />
      {keys.loading && !keys.data ? <Loading what="API keys" /> : null}
      {keys.data ? (
        <TableScroll label="API keys">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Key</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.data.map((key) => (
                <tr key={key.id} data-testid="api-key-row">
                  <td>{key.type === "secret" ? "Secret" : "Publishable"}</td>
                  <td>
                    <code>{key.display_prefix}…</code>
                  </td>
                  <td>
                    <Time unix={key.created} />
                  </td>
                  <td>{expiry(key) ? <Time unix={expiry(key)} /> : "Never"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      {issued?.key ? (
        <SecretOnce title={`Your new ${issued.type} key`} secret={issued.key} onDone={() => setIssued(null)} />
      ) : null}
      <section className="panel" aria-labelledby="roll-title">
        <h3 id="roll-title">Roll a key</h3>
        <form className="inline-form" onSubmit={(event) => void roll(event)}>
          <label>
            Key type
            <select value={type} onChange={(e) => setType(e.target.value as ApiKey["type"])}>
              <option value="secret">Secret</option>
              <option value="publishable">Publishable</option>
            </select>
          </label>
          <label>
            Old key stops working
            <select value={overlap} onChange={(e) => setOverlap(Number(e.target.value))}>
              {OVERLAPS.map((option) => (
                <option key={option.seconds} value={option.seconds}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="button-danger" disabled={busy !== null}>
            {busy ? "Rolling…" : "Roll key"}
          </button>
        </form>
        <ErrorNote error={error} />
      </section>
    </>
  );
}
