import { useCallback, useState } from "react";

/**
 * What a form or button does when it talks to the API: which action is running (by name, so a view with
 * several buttons can disable and relabel the one in flight) and the error the last one raised, for an
 * `<ErrorNote>`. `run` clears the previous error first and answers whether the work finished.
 */
export function useAction(describe: (caught: unknown) => unknown = (caught) => caught) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const run = useCallback(
    async (name: string, work: () => Promise<void>): Promise<boolean> => {
      setBusy(name);
      setError(null);
      try {
        await work();
        return true;
      } catch (caught) {
        setError(describe(caught));
        return false;
      } finally {
        setBusy(null);
      }
    },
    [describe],
  );

  return { run, busy, error };
}
