import { useRef } from "react";
import { useLiveEvents } from "../api/live";
import { Loading, ErrorNote, Money } from "../components/common";
import { useLoad } from "../components/useLoad";
import { startOfToday } from "../format/time";
import { intentsSince, percent, summarize } from "./overviewStats";

export function OverviewView() {
  const today = useLoad(async (client) => {
    const { intents, partial } = await intentsSince(client, startOfToday());
    return summarize(intents, partial);
  }, []);
  // New activity changes today's figures: reload, at most once a second.
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useLiveEvents(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      today.reload();
    }, 1000);
  });

  const summary = today.data;
  return (
    <>
      <h1>Today</h1>
      <ErrorNote error={today.error} />
      {!summary ? (
        today.loading ? <Loading what="today's figures" /> : null
      ) : (
        <>
          <div className="cards">
            <section className="card" aria-labelledby="volume-title">
              <h2 id="volume-title">Volume</h2>
              <p className="figure" data-testid="volume">
                <Money cents={summary.volume} />
              </p>
              <p className="hint">{summary.succeeded} succeeded payments</p>
            </section>
            <section className="card" aria-labelledby="rate-title">
              <h2 id="rate-title">Success rate</h2>
              <p className="figure" data-testid="success-rate">
                {percent(summary.successRate)}
              </p>
              <p className="hint">
                {summary.succeeded} of {summary.succeeded + summary.failed} settled ({summary.total} created)
              </p>
            </section>
            <section className="card" aria-labelledby="failures-title">
              <h2 id="failures-title">Failures by reason</h2>
              {summary.failuresByReason.length === 0 ? (
                <p className="hint">No failed payments today.</p>
              ) : (
                <ul className="reasons">
                  {summary.failuresByReason.map(({ reason, count }) => (
                    <li key={reason}>
                      <span className="reason">{reason.replace(/_/g, " ")}</span> <strong>{count}</strong>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
          {summary.partial ? <p className="hint">Counted from the latest 2,000 payments of today.</p> : null}
        </>
      )}
    </>
  );
}
