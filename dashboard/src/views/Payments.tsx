import { useEffect, useRef, useState } from "react";
import { Link } from "react-router-dom";
import type { IntentStatus, PaymentIntent } from "../api/client";
import { useLiveEvents } from "../api/live";
import { useClient } from "../auth/session";
import { ErrorNote, Loading, Money, StatusBadge, TableScroll } from "../components/common";
import { useLoad } from "../components/useLoad";
import { useEnvironment } from "../env/environment";
import { dateInputToUnix, Time } from "../format/time";
import { CreateTestPayment } from "./CreateTestPayment";
import { matches, upsert } from "./paymentFilters";

const PAGE = 50;
const PAYMENT_ID = /^pi_[0-9A-Za-z]{24}$/;
const STATUSES: (IntentStatus | "")[] = ["", "requires_payment_method", "processing", "succeeded", "failed", "canceled"];
const STATUS_NAMES: Record<string, string> = {
  "": "All",
  requires_payment_method: "Incomplete",
  processing: "Processing",
  succeeded: "Succeeded",
  failed: "Failed",
  canceled: "Canceled",
};

export function PaymentsView() {
  const client = useClient();
  const { environment } = useEnvironment();
  const [status, setStatus] = useState<IntentStatus | "">("");
  const [search, setSearch] = useState("");
  const [fromDate, setFromDate] = useState("");
  const [untilDate, setUntilDate] = useState("");
  const [more, setMore] = useState<{ busy: boolean; error: Error | null }>({ busy: false, error: null });

  const page = useLoad(async (api) => {
    const first = await api.paymentIntents.list({ limit: PAGE, status });
    return { data: first.data, hasMore: first.has_more };
  }, [status]);

  // Changes that arrive before the list has loaded are kept and applied to it once it has.
  const early = useRef<PaymentIntent[]>([]);
  const apply = (intent: PaymentIntent) =>
    page.setData((current) => {
      if (!current) return current;
      const known = current.data.some((item) => item.id === intent.id);
      if (!known && status && intent.status !== status) return current;
      const data = status ? upsert(current.data, intent).filter((item) => item.status === status || item.id === intent.id) : upsert(current.data, intent);
      return { ...current, data };
    });
  const live = useLiveEvents((event) => {
    const intent = event.data?.object;
    if (!intent || intent.object !== "payment_intent") return;
    if (!page.data) early.current.push(intent);
    apply(intent);
  });
  useEffect(() => {
    if (!page.data || early.current.length === 0) return;
    const pending = early.current;
    early.current = [];
    pending.forEach(apply);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [page.data]);

  const loadMore = async () => {
    const last = page.data?.data[page.data.data.length - 1];
    if (!last) return;
    setMore({ busy: true, error: null });
    try {
      const next = await client.paymentIntents.list({ limit: PAGE, status, starting_after: last.id });
      page.setData((current) =>
        current ? { data: next.data.reduce(upsert, current.data), hasMore: next.has_more } : current,
      );
      setMore({ busy: false, error: null });
    } catch (caught) {
      setMore({ busy: false, error: caught instanceof Error ? caught : new Error(String(caught)) });
    }
  };

  const until = dateInputToUnix(untilDate);
  const filter = { search, from: dateInputToUnix(fromDate), until: until === null ? null : until + 86_400 };
  const rows = (page.data?.data ?? []).filter((intent) => matches(intent, filter));
  const filtering = Boolean(search.trim() || fromDate || untilDate);

  return (
    <>
      <div className="page-title">
        <h1>Payments</h1>
        <span className={`live live-${live}`} role="status">
          {live === "live" ? "Live" : live === "connecting" ? "Connecting…" : "Reconnecting…"}
        </span>
      </div>
      {environment === "sandbox" ? (
        <CreateTestPayment onCreated={(intent) => page.setData((current) => current && { ...current, data: upsert(current.data, intent) })} />
      ) : null}
      <form className="filters" role="search" aria-label="Filter payments" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as IntentStatus | "")}>
            {STATUSES.map((option) => (
              <option key={option} value={option}>
                {STATUS_NAMES[option]}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={fromDate} onChange={(e) => setFromDate(e.target.value)} />
        </label>
        <label>
          To
          <input type="date" value={untilDate} onChange={(e) => setUntilDate(e.target.value)} />
        </label>
        <label className="grow">
          Search
          <input
            type="search"
            placeholder="Phone, M-Pesa receipt or pi_ id"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </label>
      </form>
      <ErrorNote error={page.error} />
      {!page.data ? (
        page.loading ? <Loading what="payments" /> : null
      ) : (
        <>
          <TableScroll label="Payments">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Amount</th>
                  <th scope="col">Status</th>
                  <th scope="col">Phone</th>
                  <th scope="col">Description</th>
                  <th scope="col">Receipt</th>
                  <th scope="col">Created</th>
                  <th scope="col">Payment</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((intent) => (
                  <PaymentRow key={intent.id} intent={intent} />
                ))}
              </tbody>
            </table>
          </TableScroll>
          {rows.length === 0 ? <p className="empty">No payments {filtering || status ? "match these filters" : "yet"}.</p> : null}
          {rows.length === 0 && PAYMENT_ID.test(search.trim()) ? (
            <p>
              Not among the payments loaded: <Link to={`/payments/${search.trim()}`}>open {search.trim()}</Link>
            </p>
          ) : null}
          {filtering ? (
            <p className="hint">
              Searching the {page.data.data.length} most recent payments
              {page.data.hasMore ? "; load more to search further back" : ""}.
            </p>
          ) : null}
          <ErrorNote error={more.error} />
          {page.data.hasMore ? (
            <button type="button" onClick={() => void loadMore()} disabled={more.busy}>
              {more.busy ? "Loading…" : "Load more"}
            </button>
          ) : null}
        </>
      )}
    </>
  );
}

function PaymentRow({ intent }: { intent: PaymentIntent }) {
  return (
    <tr data-testid="payment-row" data-intent={intent.id}>
      <td className="num">
        <Money cents={intent.amount} />
      </td>
      <td>
        <StatusBadge status={intent.status} />
        {intent.last_payment_error ? (
          <span className="reason"> {intent.last_payment_error.code.replace(/_/g, " ")}</span>
        ) : null}
      </td>
      <td>{intent.phone_number ?? "—"}</td>
      <td>{intent.description ?? intent.account_reference}</td>
      <td>{intent.mpesa?.receipt_number ?? "—"}</td>
      <td>
        <Time unix={intent.created} />
      </td>
      <td>
        <Link to={`/payments/${intent.id}`}>{intent.id}</Link>
      </td>
    </tr>
  );
}
