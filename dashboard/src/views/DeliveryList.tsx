// Webhook deliveries with every attempt's request and response, and a retry button.
import { useEffect, useState, type ReactNode } from "react";
import { Link } from "react-router-dom";
import type { MicropayEvent, WebhookDelivery } from "../api/client";
import { useClient } from "../auth/session";
import { ErrorNote, JsonBlock, Loading, StatusBadge } from "../components/common";
import { Time } from "../format/time";
import { useAction } from "../components/useAction";

/** A <details> whose content is only mounted (and so only fetched) once opened. */
function LazyDetails({ summary, children }: { summary: string; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>{summary}</summary>
      {open ? children : null}
    </details>
  );
}

/** The event JSON that was POSTed, fetched when someone opens the delivery. */
function EventBody({ id }: { id: string }) {
  const client = useClient();
  const [body, setBody] = useState<MicropayEvent | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    client.events
      .retrieve(id)
      .then((event) => live && setBody(event))
      .catch((caught: unknown) => live && setError(caught));
    return () => {
      live = false;
    };
  }, [client, id]);
  if (error) return <ErrorNote error={error} />;
  return body ? <JsonBlock value={body} label={`Request body, event ${id}`} /> : <Loading what="the event" />;
}

export function DeliveryList({
  deliveries,
  event,
  onRetried,
  showEndpoint = true,
}: {
  deliveries: WebhookDelivery[];
  /** The event body that was POSTed, when known (it is the request of every attempt). */
  event?: MicropayEvent;
  onRetried: () => void;
  showEndpoint?: boolean;
}) {
  const client = useClient();
  const { run, busy, error } = useAction();
  if (deliveries.length === 0) return <p className="hint">No webhook deliveries.</p>;

  const retry = (delivery: WebhookDelivery) =>
    run(delivery.id, async () => {
      await client.events.retry(delivery.event, delivery.endpoint);
      onRetried();
    });

  return (
    <>
      <ErrorNote error={error} />
      <ul className="deliveries">
        {deliveries.map((delivery) => (
          <li key={delivery.id} data-testid="delivery" data-status={delivery.status}>
            <p>
              <StatusBadge status={delivery.status} />{" "}
              {showEndpoint ? (
                <Link to={`/developers/webhooks/${delivery.endpoint}`}>{delivery.endpoint}</Link>
              ) : (
                <Link to={`/developers/events/${delivery.event}`}>{delivery.event}</Link>
              )}{" "}
              · {delivery.attempts.length} attempt{delivery.attempts.length === 1 ? "" : "s"}
              {delivery.next_attempt_at ? (
                <>
                  {" "}
                  · next <Time unix={delivery.next_attempt_at} />
                </>
              ) : null}{" "}
              <button type="button" onClick={() => void retry(delivery)} disabled={busy === delivery.id}>
                {busy === delivery.id ? "Sending…" : "Retry now"}
              </button>
            </p>
            <LazyDetails summary="Request and response">
              <h3>Request body</h3>
              {event ? <JsonBlock value={event} label={`Request body of ${delivery.id}`} /> : <EventBody id={delivery.event} />}
              <h3>Responses</h3>
              <ol>
                {delivery.attempts.map((attempt, index) => (
                  <li key={index}>
                    <Time unix={attempt.created} /> · {attempt.http_status ? `HTTP ${attempt.http_status}` : "no answer"}
                    {attempt.duration_ms !== null ? ` · ${attempt.duration_ms} ms` : ""}
                    {attempt.error ? ` · ${attempt.error}` : ""}
                    <pre className="json" tabIndex={0} aria-label={`Response ${index + 1} of ${delivery.id}`}>
                      {attempt.response_excerpt || "(empty response)"}
                    </pre>
                  </li>
                ))}
              </ol>
            </LazyDetails>
          </li>
        ))}
      </ul>
    </>
  );
}
