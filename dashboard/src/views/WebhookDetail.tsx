import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useClient } from "../auth/session";
import { DevelopersNav } from "../components/DashboardLayout";
import { ErrorNote, Loading, SecretOnce, StatusBadge } from "../components/common";
import { useLoad } from "../components/useLoad";
import { dateInputToUnix, Time } from "../format/time";
import { DeliveryList } from "./DeliveryList";
import { useAction } from "../components/useAction";

const ROTATION_OVERLAPS = [
  { seconds: 86_400, label: "Old secret keeps signing for 24 hours" },
  { seconds: 3600, label: "Old secret keeps signing for 1 hour" },
  { seconds: 0, label: "Old secret stops at once" },
];

function isoDay(unix: number): string {
  const date = new Date(unix * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function WebhookDetailView() {
  const { id = "" } = useParams();
  const client = useClient();
  const navigate = useNavigate();
  const endpoint = useLoad((api) => api.webhookEndpoints.retrieve(id), [id]);
  const deliveries = useLoad((api) => api.webhookEndpoints.deliveries(id), [id]);
  const [secret, setSecret] = useState<string | null>(null);
  const [overlap, setOverlap] = useState(86_400);
  const [since, setSince] = useState(() => isoDay(Date.now() / 1000 - 86_400));
  const [message, setMessage] = useState<string | null>(null);
  const action = useAction();
  const { busy, error } = action;
  const run = (name: string, work: () => Promise<void>) => {
    setMessage(null);
    return action.run(name, work);
  };

  const rotate = () =>
    run("rotate", async () => {
      const rotated = await client.webhookEndpoints.rotateSecret(id, overlap);
      setSecret(rotated.secret ?? null);
      endpoint.setData(() => rotated);
    });
  const setDisabled = (disabled: boolean) =>
    run("toggle", async () => {
      const updated = await client.webhookEndpoints.update(id, { disabled });
      endpoint.setData(() => updated);
    });
  const recover = (event: FormEvent) => {
    event.preventDefault();
    const from = dateInputToUnix(since);
    if (from === null) return;
    void run("recover", async () => {
      await client.webhookEndpoints.recover(id, from);
      setMessage("Failed and unsent deliveries since then are scheduled again.");
      deliveries.reload();
    });
  };
  const remove = () =>
    run("delete", async () => {
      await client.webhookEndpoints.remove(id);
      navigate("/developers/webhooks");
    });

  const current = endpoint.data;
  return (
    <>
      <DevelopersNav />
      <p>
        <Link to="/developers/webhooks">← Webhook endpoints</Link>
      </p>
      <ErrorNote error={endpoint.error} />
      {!current ? (
        endpoint.loading ? <Loading what="the endpoint" /> : null
      ) : (
        <>
          <h1 className="break">{current.url}</h1>
          <p>
            <StatusBadge status={current.status} />
            {current.disabled_reason ? ` (${current.disabled_reason})` : ""} · {current.enabled_events.join(", ")} · created{" "}
            <Time unix={current.created} />
          </p>
          <div className="actions">
            <button type="button" onClick={() => void setDisabled(current.status === "enabled")} disabled={busy !== null}>
              {current.status === "enabled" ? "Disable" : "Enable"}
            </button>
            <button type="button" className="button-danger" onClick={() => void remove()} disabled={busy !== null}>
              Delete endpoint
            </button>
          </div>
        </>
      )}
      <ErrorNote error={error} />
      {message ? <p role="status">{message}</p> : null}
      {secret ? <SecretOnce title="New signing secret" secret={secret} onDone={() => setSecret(null)} /> : null}
      <section className="panel" aria-labelledby="rotate-title">
        <h2 id="rotate-title">Rotate the signing secret</h2>
        <div className="inline-form">
          <label>
            Overlap
            <select value={overlap} onChange={(e) => setOverlap(Number(e.target.value))}>
              {ROTATION_OVERLAPS.map((option) => (
                <option key={option.seconds} value={option.seconds}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => void rotate()} disabled={busy !== null}>
            {busy === "rotate" ? "Rotating…" : "Rotate secret"}
          </button>
        </div>
      </section>
      <section className="panel" aria-labelledby="recover-title">
        <h2 id="recover-title">Recover missed deliveries</h2>
        <form className="inline-form" onSubmit={recover}>
          <label>
            Since
            <input type="date" required value={since} onChange={(e) => setSince(e.target.value)} />
          </label>
          <button type="submit" disabled={busy !== null}>
            {busy === "recover" ? "Scheduling…" : "Recover"}
          </button>
        </form>
        <p className="hint">Resends every failed or never-sent delivery in the window (at most 14 days back).</p>
      </section>
      <section aria-labelledby="deliveries-title">
        <h2 id="deliveries-title">Deliveries</h2>
        <ErrorNote error={deliveries.error} />
        {deliveries.data ? (
          <DeliveryList deliveries={deliveries.data.data} onRetried={deliveries.reload} showEndpoint={false} />
        ) : deliveries.loading ? (
          <Loading what="deliveries" />
        ) : null}
      </section>
    </>
  );
}
