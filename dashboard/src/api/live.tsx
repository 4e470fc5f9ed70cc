// One live connection to GET /v1/events/stream per environment, shared by every view that listens.
// It resumes after the last event it saw (Last-Event-ID) so nothing is missed across reconnects, and
// starts afresh when the environment changes.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { ApiError, type MicropayEvent } from "./client";
import { useSession } from "../auth/session";
import { useEnvironment } from "../env/environment";

export type LiveStatus = "connecting" | "live" | "reconnecting";
type Listener = (event: MicropayEvent) => void;

interface LiveState {
  status: LiveStatus;
  subscribe: (listener: Listener) => () => void;
}

const LiveContext = createContext<LiveState | null>(null);
const MAX_BACKOFF_MS = 10_000;

export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const { client, status: sessionStatus, refresh } = useSession();
  const { environment } = useEnvironment();
  const listeners = useRef(new Set<Listener>());
  const [status, setStatus] = useState<LiveStatus>("connecting");

  useEffect(() => {
    if (sessionStatus !== "signed_in") return undefined;
    const controller = new AbortController();
    let lastId: string | null = null;
    let backoff = 500;
    setStatus("connecting");
    const run = async () => {
      while (!controller.signal.aborted) {
        try {
          lastId = await client.streamEvents(lastId, controller.signal, (event) => {
            lastId = event.id;
            backoff = 500;
            // Belt and braces: the stream is per environment, and the view must never mix the two.
            if (event.livemode !== (environment === "production")) return;
            for (const listener of listeners.current) listener(event);
          }, () => setStatus("live"));
        } catch (error) {
          if (controller.signal.aborted) return;
          if (error instanceof ApiError && error.status === 401 && !(await refresh())) return;
        }
        if (controller.signal.aborted) return;
        setStatus("reconnecting");
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    };
    void run();
    return () => controller.abort();
  }, [client, environment, sessionStatus, refresh]);

  const value = useRef<LiveState>({
    status,
    subscribe: (listener) => {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  });
  value.current = { ...value.current, status };
  return <LiveContext.Provider value={value.current}>{children}</LiveContext.Provider>;
}

/** Call `onEvent` for every live event of the environment on show. */
export function useLiveEvents(onEvent: Listener): LiveStatus {
  const state = useContext(LiveContext);
  if (!state) throw new Error("useLiveEvents outside LiveEventsProvider");
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const { subscribe } = state;
  useEffect(() => subscribe((event) => handler.current(event)), [subscribe]);
  return state.status;
}
