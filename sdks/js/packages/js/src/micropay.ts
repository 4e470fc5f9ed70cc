/** `loadMicropay`: the browser's handle on the API, holding a publishable key (never a secret key). */

import { HttpClient, type FetchLike } from "./http.js";
import type { MicropayError } from "./errors.js";
import type { PaymentIntent } from "./types.js";
import { PaymentIntentWatcher, type EventSourceConstructor } from "./watch.js";

export interface MicropayOptions {
  /** Where the Micropay API is, e.g. `https://pay.example.com`. Default: the page's own origin. */
  baseUrl?: string;
  /** Replaces `globalThis.fetch` (tests, or a wrapped fetch). */
  fetch?: FetchLike;
  /** Replaces `globalThis.EventSource`; `null` never opens a stream and long-polls `wait` instead. */
  EventSource?: EventSourceConstructor | null;
  /** Pause between reads when the server can only be polled, and the first retry's delay. Default 2000. */
  pollIntervalMs?: number;
  /** How long one `wait` request may be held by the server (1-30 s). Default 25. */
  waitTimeoutSeconds?: number;
}

export interface ConfirmPaymentIntentParams {
  clientSecret: string;
  /** `07XXXXXXXX`, `01XXXXXXXX`, `+2547...`, `2547...`; required if the intent has none. */
  phoneNumber?: string;
}

export interface Micropay {
  readonly publishableKey: string;
  /** The intent, read with the publishable key and its client secret (metadata omitted). */
  retrievePaymentIntent(id: string, clientSecret: string): Promise<PaymentIntent>;
  /** Sends the STK push to the customer's phone; resolves with the intent, usually `processing`. */
  confirmPaymentIntent(id: string, params: ConfirmPaymentIntentParams): Promise<PaymentIntent>;
  /**
   * Calls `onChange` with the current intent and then with every change, until a terminal status or until
   * the returned function is called. `onError` hears of errors that end the watch (e.g. a wrong secret).
   */
  watchPaymentIntent(
    id: string,
    clientSecret: string,
    onChange: (intent: PaymentIntent) => void,
    onError?: (error: MicropayError) => void,
  ): () => void;
}

/** A mistake in the integration itself (not an API answer): thrown at once, never sent anywhere. */
export class IntegrationError extends Error {
  override readonly name = "IntegrationError";
}

const PUBLISHABLE_KEY = /^pk_(test|live)_[0-9A-Za-z]+$/;

function requireText(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "") throw new IntegrationError(`${what} must be a non-empty string.`);
  return value;
}

export function loadMicropay(publishableKey: string, options: MicropayOptions = {}): Micropay {
  if (typeof publishableKey === "string" && /^(sk|rk)_/.test(publishableKey)) {
    throw new IntegrationError("loadMicropay takes a publishable key (pk_...); a secret key must never reach a browser.");
  }
  if (typeof publishableKey !== "string" || !PUBLISHABLE_KEY.test(publishableKey)) {
    throw new IntegrationError("loadMicropay needs a publishable key: pk_test_... or pk_live_...");
  }
  const baseUrl = (options.baseUrl ?? "").replace(/\/+$/, "");
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const http = new HttpClient(baseUrl, publishableKey, fetchImpl);
  const EventSourceImpl =
    options.EventSource === undefined
      ? ((globalThis as { EventSource?: EventSourceConstructor }).EventSource ?? null)
      : options.EventSource;
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const waitTimeoutSeconds = options.waitTimeoutSeconds ?? 25;
  const intentPath = (id: string): string => `/v1/payment_intents/${encodeURIComponent(requireText(id, "The payment intent id"))}`;

  return {
    publishableKey,

    async retrievePaymentIntent(id, clientSecret) {
      const path = intentPath(id);
      const query = { client_secret: requireText(clientSecret, "The client secret") };
      return (await http.request<PaymentIntent>("GET", path, { query })).body;
    },

    async confirmPaymentIntent(id, params) {
      const path = intentPath(id);
      const body: Record<string, string> = { client_secret: requireText(params.clientSecret, "The client secret") };
      if (params.phoneNumber !== undefined) body.phone_number = params.phoneNumber;
      return (await http.request<PaymentIntent>("POST", `${path}/confirm`, { body })).body;
    },

    watchPaymentIntent(id, clientSecret, onChange, onError) {
      intentPath(id);
      requireText(clientSecret, "The client secret");
      const watcher = new PaymentIntentWatcher(id, clientSecret, onChange, onError, {
        http,
        publishableKey,
        EventSource: EventSourceImpl,
        pollIntervalMs,
        waitTimeoutSeconds,
      });
      watcher.start();
      return () => {
        watcher.stop();
      };
    },
  };
}
