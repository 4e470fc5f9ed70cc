import { Link, useParams } from "react-router-dom";
import { DevelopersNav } from "../components/DashboardLayout";
import { ErrorNote, JsonBlock, Loading } from "../components/common";
import { useLoad } from "../components/useLoad";
import { Time } from "../format/time";
import { DeliveryList } from "./DeliveryList";

export function EventDetailView() {
  const { id = "" } = useParams();
  const event = useLoad((api) => api.events.retrieve(id), [id]);
  const deliveries = useLoad((api) => api.events.deliveries(id), [id]);
  return (
    <>
      <DevelopersNav />
      <p>
        <Link to="/developers/events">← Events</Link>
      </p>
      <ErrorNote error={event.error} />
      {!event.data ? (
        event.loading ? <Loading what="the event" /> : null
      ) : (
        <>
          <h1>
            <code>{event.data.type}</code>
          </h1>
          <p>
            <code>{event.data.id}</code> · <Time unix={event.data.created} />
            {event.data.data?.object ? (
              <>
                {" "}
                · <Link to={`/payments/${event.data.data.object.id}`}>{event.data.data.object.id}</Link>
              </>
            ) : null}
          </p>
          <section aria-labelledby="deliveries-title">
            <h2 id="deliveries-title">Webhook deliveries</h2>
            <ErrorNote error={deliveries.error} />
            {deliveries.data ? (
              <DeliveryList deliveries={deliveries.data.data} event={event.data} onRetried={deliveries.reload} />
            ) : null}
          </section>
          <section aria-labelledby="body-title">
            <h2 id="body-title">Event body</h2>
            <JsonBlock value={event.data} label="Event body" />
          </section>
        </>
      )}
    </>
  );
}
