import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import type { WebhookEndpoint } from "../api/client";
import { useClient } from "../auth/session";
import { DevelopersNav } from "../components/DashboardLayout";
import { ErrorNote, Loading, SecretOnce, StatusBadge, TableScroll } from "../components/common";
import { useLoad } from "../components/useLoad";
import { ENVIRONMENT_LABEL, useEnvironment } from "../env/environment";
import { Time } from "../format/time";
import { useAction } from "../components/useAction";

export const EVENT_TYPES = [
  "payment_intent.created",
  "payment_intent.processing",
  "payment_intent.succeeded",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
  "payment_intent.amount_mismatch",
  "payment_intent.unexpected_payment",
];

export function WebhooksView() {
  const client = useClient();
  const { environment } = useEnvironment();
  const endpoints = useLoad((api) => api.webhookEndpoints.list(), []);
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [allEvents, setAllEvents] = useState(true);
  const [chosen, setChosen] = useState<string[]>([]);
  const [created, setCreated] = useState<WebhookEndpoint | null>(null);
  const { run, busy, error } = useAction();

  const create = (event: FormEvent) => {
    event.preventDefault();
    return run("create", async () => {
      const endpoint = await client.webhookEndpoints.create({
        url,
        enabled_events: allEvents ? ["*"] : chosen,
        description: description || undefined,
      });
      setCreated(endpoint);
      setUrl("");
      setDescription("");
      endpoints.reload();
    });
  };

  const toggle = (type: string) =>
    setChosen((current) => (current.includes(type) ? current.filter((t) => t !== type) : [...current, type]));

  return (
    <>
      <h1>Developers</h1>
      <DevelopersNav />
      <h2>Webhook endpoints ({ENVIRONMENT_LABEL[environment]})</h2>
      <ErrorNote error={endpoints.error} />
      {endpoints.loading && !endpoints.data ? <Loading what="endpoints" /> : null}
      {endpoints.data && endpoints.data.data.length === 0 ? <p className="empty">No endpoints yet.</p> : null}
      {endpoints.data && endpoints.data.data.length > 0 ? (
        <TableScroll label="Webhook endpoints">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Status</th>
                <th scope="col">Events</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.data.data.map((endpoint) => (
                <tr key={endpoint.id} data-testid="endpoint-row">
                  <td>
                    <Link to={`/developers/webhooks/${endpoint.id}`}>{endpoint.url}</Link>
                    {endpoint.description ? <span className="hint"> {endpoint.description}</span> : null}
                  </td>
                  <td>
                    <StatusBadge status={endpoint.status} />
                    {endpoint.disabled_reason ? <span className="reason"> {endpoint.disabled_reason}</span> : null}
                  </td>
                  <td>{endpoint.enabled_events.join(", ")}</td>
                  <td>
                    <Time unix={endpoint.created} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      {created?.secret ? (
        <SecretOnce
          title={`Signing secret for ${created.url}`}
          secret={created.secret}
          onDone={() => setCreated(null)}
        />
      ) : null}
      <section className="panel" aria-labelledby="endpoint-form-title">
        <h3 id="endpoint-form-title">Add an endpoint</h3>
        <form className="stack-form" onSubmit={(event) => void create(event)}>
          <label>
            Endpoint URL
            <input type="url" required maxLength={2048} placeholder="https://example.com/webhooks/micropay" value={url} onChange={(e) => setUrl(e.target.value)} />
          </label>
          <label>
            Description
            <input value={description} onChange={(e) => setDescription(e.target.value)} />
          </label>
          <fieldset>
            <legend>Events to send</legend>
            <label className="check">
              <input type="checkbox" checked={allEvents} onChange={(e) => setAllEvents(e.target.checked)} />
              All events
            </label>
            {!allEvents
              ? EVENT_TYPES.map((type) => (
                  <label key={type} className="check">
                    <input type="checkbox" checked={chosen.includes(type)} onChange={() => toggle(type)} />
                    {type}
                  </label>
                ))
              : null}
          </fieldset>
          <ErrorNote error={error} />
          <button type="submit" className="button-primary" disabled={busy !== null || (!allEvents && chosen.length === 0)}>
            {busy ? "Adding…" : "Add endpoint"}
          </button>
        </form>
      </section>
    </>
  );
}
