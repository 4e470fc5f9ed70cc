import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import type { Client, MicropayEvent, PaymentIntent, ProviderAttempt, WebhookDelivery } from "../api/client";
import { useLiveEvents } from "../api/live";
import { useClient } from "../auth/session";
import { ErrorNote, JsonBlock, Loading, Money, StatusBadge } from "../components/common";
import { useLoad } from "../components/useLoad";
import { Time } from "../format/time";
import { DeliveryList } from "./DeliveryList";

interface Detail {
  intent: PaymentIntent;
  attempts: ProviderAttempt[];
  events: { event: MicropayEvent; deliveries: WebhookDelivery[] | null; deliveriesError: unknown }[];
}

async function loadDetail(client: Client, id: string): Promise<Detail> {
  const [intent, attempts, events] = await Promise.all([
    client.paymentIntents.retrieve(id),
    client.paymentIntents.attempts(id),
    client.paymentIntents.events(id),
  ]);
  // One event's deliveries failing to load must not hide the payment: it shows its own error.
  const deliveries = await Promise.allSettled(events.data.map((event) => client.events.deliveries(event.id)));
  const withDeliveries = events.data.map((event, index) => {
    const found = deliveries[index];
    return found?.status === "fulfilled"
      ? { event, deliveries: found.value.data, deliveriesError: null }
      : { event, deliveries: null, deliveriesError: found?.reason ?? null };
  });
  return { intent, attempts: attempts.data, events: withDeliveries };
}

const ATTEMPT_KIND: Record<ProviderAttempt["kind"], string> = {
  stk_push: "STK push sent",
  callback: "Callback from M-Pesa",
  stk_query: "Status query",
};

export function PaymentDetailView() {
  const { id = "" } = useParams();
  const client = useClient();
  const detail = useLoad((api) => loadDetail(api, id), [id]);
  const [action, setAction] = useState<{ busy: string | null; error: unknown }>({ busy: null, error: null });

  useLiveEvents((event) => {
    if (event.data?.object?.id === id) detail.reload();
  });

  const act = async (name: "reconcile" | "cancel") => {
    setAction({ busy: name, error: null });
    try {
      const intent = await (name === "reconcile" ? client.paymentIntents.reconcile(id) : client.paymentIntents.cancel(id));
      detail.setData((current) => current && { ...current, intent });
      detail.reload();
      setAction({ busy: null, error: null });
    } catch (caught) {
      setAction({ busy: null, error: caught });
    }
  };

  if (!detail.data) {
    return (
      <>
        <p>
          <Link to="/payments">← Payments</Link>
        </p>
        <ErrorNote error={detail.error} />
        {detail.loading ? <Loading what="the payment" /> : null}
      </>
    );
  }
  const { intent, attempts, events } = detail.data;
  const cancelable = intent.status === "requires_payment_method" || intent.status === "failed";

  return (
    <>
      <p>
        <Link to="/payments">← Payments</Link>
      </p>
      <div className="page-title">
        <h1>
          <Money cents={intent.amount} /> <StatusBadge status={intent.status} />
        </h1>
        <div className="actions">
          <button type="button" onClick={() => void act("reconcile")} disabled={intent.status !== "processing" || action.busy !== null}>
            {action.busy === "reconcile" ? "Asking M-Pesa…" : "Reconcile"}
          </button>
          <button type="button" className="button-danger" onClick={() => void act("cancel")} disabled={!cancelable || action.busy !== null}>
            {action.busy === "cancel" ? "Canceling…" : "Cancel payment"}
          </button>
        </div>
      </div>
      <ErrorNote error={action.error} />
      {intent.last_payment_error ? (
        <p className="failure" data-testid="failure-reason">
          <strong>{intent.last_payment_error.code.replace(/_/g, " ")}</strong>: {intent.last_payment_error.message}
          {intent.last_payment_error.mpesa_result_code ? ` (M-Pesa result ${intent.last_payment_error.mpesa_result_code})` : ""}
        </p>
      ) : null}
      <dl className="facts">
        <dt>ID</dt>
        <dd><code>{intent.id}</code></dd>
        <dt>Phone</dt>
        <dd>{intent.phone_number ?? "—"}</dd>
        <dt>Reference</dt>
        <dd>{intent.account_reference}</dd>
        <dt>Description</dt>
        <dd>{intent.description ?? "—"}</dd>
        <dt>M-Pesa receipt</dt>
        <dd>{intent.mpesa?.receipt_number ?? "—"}</dd>
        <dt>Checkout request</dt>
        <dd>{intent.mpesa?.checkout_request_id ?? "—"}</dd>
        <dt>Created</dt>
        <dd><Time unix={intent.created} /></dd>
        <dt>Updated</dt>
        <dd><Time unix={intent.updated} /></dd>
        {intent.canceled_at ? (
          <>
            <dt>Canceled</dt>
            <dd><Time unix={intent.canceled_at} /> {intent.cancellation_reason ?? ""}</dd>
          </>
        ) : null}
      </dl>

      <section aria-labelledby="attempts-title">
        <h2 id="attempts-title">M-Pesa timeline</h2>
        {attempts.length === 0 ? <p className="empty">Nothing sent to M-Pesa yet.</p> : null}
        <ol className="timeline">
          {attempts.map((attempt) => (
            <li key={attempt.id} className={`timeline-item outcome-${attempt.outcome ?? "none"}`}>
              <p>
                <strong>{ATTEMPT_KIND[attempt.kind] ?? attempt.kind}</strong> <Time unix={attempt.created} />
                {attempt.http_status ? ` · HTTP ${attempt.http_status}` : ""}
                {attempt.outcome ? ` · ${attempt.outcome.replace(/_/g, " ")}` : ""}
              </p>
              <details>
                <summary>Request and response</summary>
                <h3>Request</h3>
                <JsonBlock value={attempt.request} label={`Request of ${attempt.id}`} />
                <h3>Response</h3>
                <JsonBlock value={attempt.response} label={`Response of ${attempt.id}`} />
              </details>
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="events-title">
        <h2 id="events-title">Events and webhook deliveries</h2>
        {events.length === 0 ? <p className="empty">No events yet.</p> : null}
        <ol className="timeline">
          {events.map(({ event, deliveries, deliveriesError }) => (
            <li key={event.id} className="timeline-item">
              <p>
                <Link to={`/developers/events/${event.id}`}>
                  <code>{event.type}</code>
                </Link>{" "}
                <Time unix={event.created} />
              </p>
              <ErrorNote error={deliveriesError} />
              {deliveries ? <DeliveryList deliveries={deliveries} event={event} onRetried={detail.reload} /> : null}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
