/** Hand-written doubles of the browser's fetch and EventSource, and a payment intent factory. */

import type { EventSourceLike, PaymentIntent } from "../src/index.js";

export const KEY = "pk_test_0123456789abcdefghijABCDEFGHIJ01";
export const ID = "pi_0123456789abcdefghijABCD";
export const SECRET = `${ID}_secret_s3cr3tS3cr3t`;

export function intent(overrides: Partial<PaymentIntent> = {}): PaymentIntent {
  return {
    id: ID,
    object: "payment_intent",
    livemode: false,
    amount: 150000,
    currency: "kes",
    status: "requires_payment_method",
    phone_number: null,
    account_reference: "INV1001",
    description: null,
    client_secret: null,
    next_action: null,
    last_payment_error: null,
    mpesa: null,
    created: 1764000000,
    updated: 1764000000,
    canceled_at: null,
    cancellation_reason: null,
    ...overrides,
  };
}

export interface Recorded {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal | undefined;
}

export interface Reply {
  status?: number;
  /** Sent as JSON, unless `raw` is given. */
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

export type Handler = (request: Recorded) => Reply | Promise<Reply>;

export function errorReply(status: number, type: string, code: string, extra: Record<string, string> = {}): Reply {
  return {
    status,
    body: { error: { type, code, message: `${code} happened`, request_id: "req_body", ...extra } },
    headers: { "Request-Id": "req_body" },
  };
}

/** A fetch whose answers a test decides; it records every request and honours AbortSignal. */
export class FakeFetch {
  readonly requests: Recorded[] = [];

  constructor(public handler: Handler) {}

  readonly fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const request: Recorded = {
      method: init.method ?? "GET",
      url: new URL(input, "http://checkout.test"),
      headers: { ...(init.headers as Record<string, string> | undefined) },
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
      signal: init.signal ?? undefined,
    };
    this.requests.push(request);
    const signal = init.signal;
    const aborted = new Promise<never>((_, reject) => {
      const abort = (): void => {
        reject(new DOMException("The operation was aborted.", "AbortError"));
      };
      if (signal?.aborted) abort();
      signal?.addEventListener("abort", abort);
    });
    const reply = await Promise.race([Promise.resolve(this.handler(request)), aborted]);
    const text = reply.raw ?? JSON.stringify(reply.body ?? {});
    return new Response(text, {
      status: reply.status ?? 200,
      headers: { "Content-Type": "application/json", "Request-Id": "req_header", ...reply.headers },
    });
  };

  paths(): string[] {
    return this.requests.map((request) => `${request.method} ${request.url.pathname}`);
  }
}

/** A promise a test resolves when it likes (a long-poll held by the server). */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** The browser's EventSource as the watcher sees it: the test opens, feeds, drops or refuses it. */
export class FakeEventSource implements EventSourceLike {
  static instances: FakeEventSource[] = [];
  readyState = 0;
  closed = false;
  readonly url: URL;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(url: string) {
    this.url = new URL(url, "http://checkout.test");
    FakeEventSource.instances.push(this);
  }

  static latest(): FakeEventSource {
    const last = FakeEventSource.instances.at(-1);
    if (!last) throw new Error("no EventSource was opened");
    return last;
  }

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.readyState = 2;
  }

  private dispatch(type: string, data = ""): void {
    for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data }));
  }

  open(): void {
    this.readyState = 1;
    this.dispatch("open");
  }

  /** An event as the server writes it: `event: <type>`, `data: <event JSON>`. */
  send(type: string, object: PaymentIntent, id = "evt_1"): void {
    const event = { id, object: "event", type, created: object.updated, livemode: false, data: { object } };
    this.dispatch(type, JSON.stringify(event));
  }

  sendRaw(type: string, data: string): void {
    this.dispatch(type, data);
  }

  /** The connection dropped; the browser will reconnect by itself. */
  drop(): void {
    this.readyState = 0;
    this.dispatch("error");
  }

  /** The server refused the stream (an HTTP error, or not text/event-stream): the browser gives up. */
  refuse(): void {
    this.readyState = 2;
    this.dispatch("error");
  }
}
