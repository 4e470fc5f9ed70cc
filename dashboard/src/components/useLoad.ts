// Load something from the API for the environment on show; switching environments loads it again.
import { useCallback, useEffect, useRef, useState } from "react";
import type { Client } from "../api/client";
import { useClient } from "../auth/session";
import { useEnvironment } from "../env/environment";

export interface Loaded<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload: () => void;
  setData: (update: (current: T | null) => T | null) => void;
}

export function useLoad<T>(load: (client: Client) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const client = useClient();
  const { environment } = useEnvironment();
  const [data, setDataState] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const shownFor = useRef(environment);

  useEffect(() => {
    const ticket = ++latest.current;
    // Never show one environment's data under the other's banner, not even while the new data loads.
    if (shownFor.current !== environment) {
      shownFor.current = environment;
      setDataState(null);
    }
    setLoading(true);
    loadRef
      .current(client)
      .then((value) => {
        if (ticket !== latest.current) return;
        setDataState(value);
        setError(null);
      })
      .catch((caught: unknown) => {
        if (ticket !== latest.current) return;
        setError(caught instanceof Error ? caught : new Error(String(caught)));
      })
      .finally(() => {
        if (ticket === latest.current) setLoading(false);
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, environment, generation, ...deps]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const setData = useCallback((update: (current: T | null) => T | null) => setDataState(update), []);
  return { data, error, loading, reload, setData };
}
