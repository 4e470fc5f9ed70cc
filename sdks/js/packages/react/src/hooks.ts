import { useContext, useEffect, useState } from "react";
import type { Micropay, MicropayError, PaymentIntent, PaymentIntentStatus } from "@micropay/js";
import { MicropayContext } from "./context.js";

/** The Micropay handle of the nearest `<MicropayProvider>`. */
export function useMicropay(): Micropay {
  const micropay = useContext(MicropayContext);
  if (micropay === null) throw new Error("useMicropay and usePaymentIntent must be used inside <MicropayProvider>.");
  return micropay;
}

export interface PaymentIntentState {
  /** The latest state of the intent; null until it has been read. */
  intent: PaymentIntent | null;
  /** `intent.status`, or null until it has been read. */
  status: PaymentIntentStatus | null;
  /** Set when watching failed for good (e.g. a wrong client secret); the intent keeps its last state. */
  error: MicropayError | null;
}

interface Watched {
  key: string;
  intent: PaymentIntent | null;
  error: MicropayError | null;
}

/**
 * The intent, kept up to date from the server (stream, else long-poll) until it reaches a terminal status.
 * Pass null while the id or secret is not known yet. Changing either starts a new watch; unmounting ends it.
 */
export function usePaymentIntent(id: string | null | undefined, clientSecret: string | null | undefined): PaymentIntentState {
  const micropay = useMicropay();
  const key = id && clientSecret ? `${id}\u0000${clientSecret}` : "";
  const [watched, setWatched] = useState<Watched>({ key: "", intent: null, error: null });

  useEffect(() => {
    if (!id || !clientSecret) return undefined;
    const mine = `${id}\u0000${clientSecret}`;
    return micropay.watchPaymentIntent(
      id,
      clientSecret,
      (intent) => {
        setWatched((previous) => ({ key: mine, intent, error: previous.key === mine ? previous.error : null }));
      },
      (error) => {
        setWatched((previous) => ({ key: mine, intent: previous.key === mine ? previous.intent : null, error }));
      },
    );
  }, [micropay, id, clientSecret]);

  // A state left over from a previous id or secret is never shown for the new one.
  const current = watched.key === key && key !== "" ? watched : null;
  return { intent: current?.intent ?? null, status: current?.intent?.status ?? null, error: current?.error ?? null };
}
