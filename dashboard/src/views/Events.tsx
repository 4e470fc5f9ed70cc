import { useState } from "react";
import { Link } from "react-router-dom";
import type { MicropayEvent } from "../api/client";
import { useLiveEvents } from "../api/live";
import { useClient } from "../auth/session";
import { DevelopersNav } from "../components/DashboardLayout";
import { ErrorNote, Loading, Money, TableScroll } from "../components/common";
import { useLoad } from "../components/useLoad";
import { ENVIRONMENT_LABEL, useEnvironment } from "../env/environment";
import { Time } from "../format/time";
import { EVENT_TYPES } from "./Webhooks";

const PAGE = 50;

export function EventsView() {
  const client = useClient();
  const { environment } = useEnvironment();
  const [type, setType] = useState("");
  const events = useLoad(async (api) => {
    const page = await api.events.list({ limit: PAGE, type: type || undefined });
    return { data: page.data, hasMore: page.has_more };
  }, [type]);
  const [more, setMore] = useState<unknown>(null);

  useLiveEvents((event) => {
    if (type && event.type !== type) return;
    events.setData((current) =>
      current && !current.data.some((e) => e.id === event.id) ? { ...current, data: [event, ...current.data] } : current,
    );
  });

  const loadMore = async () => {
    const last = events.data?.data[events.data.data.length - 1];
    if (!last) return;
    try {
      const next = await client.events.list({ limit: PAGE, type: type || undefined, starting_after: last.id });
      events.setData((current) => current && { data: [...current.data, ...next.data], hasMore: next.has_more });
    } catch (caught) {
      setMore(caught);
    }
  };

  return (
    <>
      <h1>Developers</h1>
      <DevelopersNav />
      <h2>Events ({ENVIRONMENT_LABEL[environment]})</h2>
      <form className="filters" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">All types</option>
            {EVENT_TYPES.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={events.error} />
      {events.loading && !events.data ? <Loading what="events" /> : null}
      {events.data ? (
        <>
          <TableScroll label="Events">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Payment</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Pending webhooks</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {events.data.data.map((event) => (
                  <EventRow key={event.id} event={event} />
                ))}
              </tbody>
            </table>
          </TableScroll>
          {events.data.data.length === 0 ? <p className="empty">No events yet.</p> : null}
          <ErrorNote error={more} />
          {events.data.hasMore ? (
            <button type="button" onClick={() => void loadMore()}>
              Load more
            </button>
          ) : null}
        </>
      ) : null}
    </>
  );
}

function EventRow({ event }: { event: MicropayEvent }) {
  const intent = event.data?.object;
  return (
    <tr data-testid="event-row">
      <td>
        <Link to={`/developers/events/${event.id}`}>
          <code>{event.type}</code>
        </Link>
      </td>
      <td>{intent ? <Link to={`/payments/${intent.id}`}>{intent.id}</Link> : "—"}</td>
      <td className="num">{intent ? <Money cents={intent.amount} /> : "—"}</td>
      <td className="num">{event.pending_webhooks}</td>
      <td>
        <Time unix={event.created} />
      </td>
    </tr>
  );
}
