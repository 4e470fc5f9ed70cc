/**
 * Watching one payment intent: the server's event stream first, long-polling `wait` when the stream is not
 * available, and polling `retrieve` as a last resort when the server has neither route (both answer 404).
 *
 * `onChange` gets the current intent first, then every newer state, never an older one (ordered by
 * `version` when the server sends it, else by `updated` and status). The watch ends by itself at a terminal
 * status (`succeeded`, `canceled`); `failed` is not terminal, since confirming again retries the payment.
 */

import { MicropayError } from "./errors.js";
import type { HttpClient } from "./http.js";
import { isTerminal, PAYMENT_INTENT_EVENT_TYPES, type MicropayEvent, type PaymentIntent } from "./types.js";

/** What the watcher needs of the browser's `EventSource` (tests pass a fake). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}
export type EventSourceConstructor = new (url: string) => EventSourceLike;

/** `EventSource.CLOSED`: the browser gave up (an HTTP error or not `text/event-stream`) and will not retry. */
const CLOSED = 2;
const MAX_BACKOFF_MS = 30_000;

export type WatchTransport = "stream" | "wait" | "poll";

export interface WatchSettings {
  http: HttpClient;
  publishableKey: string;
  EventSource: EventSourceConstructor | null;
  pollIntervalMs: number;
  waitTimeoutSeconds: number;
}

/** True when `next` is a later state of the intent than `last`. */
export function isNewer(next: PaymentIntent, last: PaymentIntent | null): boolean {
  if (last === null) return true;
  if (typeof next.version === "number" && typeof last.version === "number") return next.version > last.version;
  if (next.updated !== last.updated) return next.updated > last.updated;
  return next.status !== last.status;
}

/** A 4xx that retrying cannot fix (bad key or secret, unknown intent); everything else is retried. */
function isFatal(error: unknown): error is MicropayError {
  return (
    error instanceof MicropayError &&
    error.statusCode !== null &&
    error.statusCode >= 400 &&
    error.statusCode < 500 &&
    ![408, 409, 429].includes(error.statusCode)
  );
}

function isPaymentIntent(value: unknown): value is PaymentIntent {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<PaymentIntent>;
  return candidate.object === "payment_intent" && typeof candidate.id === "string" && typeof candidate.status === "string";
}

function isRouteMissing(error: unknown): boolean {
  return error instanceof MicropayError && error.statusCode === 404;
}

export class PaymentIntentWatcher {
  /** Which way the watcher currently learns of changes. */
  transport: WatchTransport | null = null;
  private last: PaymentIntent | null = null;
  private stopped = false;
  private source: EventSourceLike | null = null;
  private readonly abort = new AbortController();
  private wake: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Stream events seen so far: a catch-up read that raced one of them is stale and dropped. */
  private streamEvents = 0;

  constructor(
    private readonly id: string,
    private readonly clientSecret: string,
    private readonly onChange: (intent: PaymentIntent) => void,
    private readonly onError: ((error: MicropayError) => void) | undefined,
    private readonly settings: WatchSettings,
  ) {}

  start(): void {
    if (this.settings.EventSource) this.openStream(this.settings.EventSource);
    else void this.longPoll();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.source?.close();
    this.source = null;
    this.abort.abort();
    clearTimeout(this.timer);
    this.wake?.();
  }

  /** A method, not the field, so that checks after an await are not narrowed away: stop() may have run. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private get path(): string {
    return `/v1/payment_intents/${encodeURIComponent(this.id)}`;
  }

  private deliver(intent: PaymentIntent): void {
    if (this.stopped || intent.id !== this.id || !isNewer(intent, this.last)) return;
    this.last = intent;
    this.onChange(intent);
    if (isTerminal(intent.status)) this.stop();
  }

  private fail(error: MicropayError): void {
    if (this.stopped) return;
    this.stop();
    this.onError?.(error);
  }

  private openStream(EventSourceImpl: EventSourceConstructor): void {
    this.transport = "stream";
    // EventSource cannot send headers: the contract takes the key and secret as query parameters here.
    const url = this.settings.http.url(`${this.path}/stream`, {
      key: this.settings.publishableKey,
      client_secret: this.clientSecret,
    });
    const source = new EventSourceImpl(url);
    this.source = source;
    // On every (re)connection read the intent once: changes from before the stream began are not in it.
    source.addEventListener("open", () => void this.catchUp());
    for (const type of PAYMENT_INTENT_EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        this.onStreamEvent(message.data);
      });
    }
    source.addEventListener("error", () => {
      // While CONNECTING the browser reconnects by itself, sending Last-Event-ID, so nothing is missed.
      if (this.stopped || source.readyState !== CLOSED) return;
      source.close();
      this.source = null;
      void this.longPoll();
    });
  }

  private onStreamEvent(data: string): void {
    let event: Partial<MicropayEvent> | null;
    try {
      event = JSON.parse(data) as Partial<MicropayEvent> | null;
    } catch {
      return;
    }
    const intent: unknown = event?.data?.object;
    if (!isPaymentIntent(intent)) return;
    this.streamEvents += 1;
    this.deliver(intent);
  }

  private async catchUp(): Promise<void> {
    const seen = this.streamEvents;
    try {
      const intent = await this.retrieve();
      if (this.streamEvents === seen) this.deliver(intent);
    } catch (error) {
      if (isFatal(error)) this.fail(error);
    }
  }

  private async retrieve(): Promise<PaymentIntent> {
    const response = await this.settings.http.request<PaymentIntent>("GET", this.path, {
      query: { client_secret: this.clientSecret },
      signal: this.abort.signal,
    });
    return response.body;
  }

  /** The current intent, retried with backoff until it answers; null once stopped or failed. */
  private async current(): Promise<PaymentIntent | null> {
    for (let failures = 0; !this.stopped; failures += 1) {
      try {
        return await this.retrieve();
      } catch (error) {
        if (this.isStopped()) return null;
        if (isFatal(error)) {
          this.fail(error);
          return null;
        }
        await this.sleep(this.backoff(failures));
      }
    }
    return null;
  }

  private async longPoll(): Promise<void> {
    this.transport = "wait";
    const first = await this.current();
    if (first === null) return;
    this.deliver(first);
    for (let failures = 0; !this.stopped; ) {
      const version = this.last?.version;
      try {
        const response = await this.settings.http.request<PaymentIntent>("GET", `${this.path}/wait`, {
          query: {
            client_secret: this.clientSecret,
            until: "change",
            version: typeof version === "number" ? String(version) : undefined,
            timeout: String(this.settings.waitTimeoutSeconds),
          },
          signal: this.abort.signal,
        });
        failures = 0;
        const changed = isNewer(response.body, this.last);
        this.deliver(response.body);
        // Never spin on a server that answers at once without a change.
        if (!changed && response.headers.get("Micropay-Wait") !== "timeout") {
          await this.sleep(this.settings.pollIntervalMs);
        }
      } catch (error) {
        if (this.isStopped()) return;
        if (isRouteMissing(error)) {
          // The intent exists (it was just read), so this server has no wait route: poll it instead.
          await this.poll();
          return;
        }
        if (isFatal(error)) {
          this.fail(error);
          return;
        }
        await this.sleep(this.backoff(failures));
        failures += 1;
      }
    }
  }

  /** The last resort: read the intent every `pollIntervalMs`. */
  private async poll(): Promise<void> {
    this.transport = "poll";
    while (!this.stopped) {
      await this.sleep(this.settings.pollIntervalMs);
      if (this.isStopped()) return;
      const intent = await this.current();
      if (intent !== null) this.deliver(intent);
    }
  }

  private backoff(failures: number): number {
    return Math.min(this.settings.pollIntervalMs * 2 ** failures, MAX_BACKOFF_MS);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }
}
