// A fake of the public API for component tests: routes by "METHOD /path", records every request.
import type { MicropayEvent, PaymentIntent, Session } from "../api/client";

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

type Handler = (request: Recorded) => Response | Promise<Response>;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", "Request-Id": "req_test" } });
}

export function apiError(status: number, code: string, message = code, type = "invalid_request_error"): Response {
  return json({ error: { type, code, message, param: null, request_id: "req_test" } }, status);
}

export class FakeApi {
  readonly requests: Recorded[] = [];
  private readonly routes = new Map<string, Handler>();
  /** Events pushed into /v1/events/stream while it is open. */
  private streamController: ReadableStreamDefaultController<Uint8Array> | null = null;

  /** Answer `route` with a handler, a Response, or a JSON body. */
  on(route: string, handler: Handler | Response | object): this {
    const answer: Handler =
      typeof handler === "function"
        ? (handler as Handler)
        : handler instanceof Response
          ? () => handler.clone()
          : () => json(handler);
    this.routes.set(route, answer);
    return this;
  }

  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), "http://dashboard.test");
    const method = (init.method ?? "GET").toUpperCase();
    const recorded: Recorded = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init.headers),
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    };
    this.requests.push(recorded);
    if (url.pathname === "/v1/events/stream" && !this.routes.has("GET /v1/events/stream")) return this.openStream(init.signal);
    const handler =
      this.routes.get(`${method} ${url.pathname}`) ??
      [...this.routes.entries()].find(([route]) => routeMatches(route, method, url.pathname))?.[1];
    if (!handler) return apiError(404, "resource_missing", `No fake for ${method} ${url.pathname}`);
    return handler(recorded);
  };

  requestsTo(method: string, path: string): Recorded[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  private openStream(signal: AbortSignal | null | undefined): Response {
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.streamController = controller;
        signal?.addEventListener("abort", () => {
          try {
            controller.error(new DOMException("aborted", "AbortError"));
          } catch {
            // already closed
          }
        });
      },
    });
    return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
  }

  get streaming(): boolean {
    return this.streamController !== null;
  }

  push(event: MicropayEvent): void {
    if (!this.streamController) throw new Error("no open stream");
    const text = `: keep-alive\n\nid: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    this.streamController.enqueue(new TextEncoder().encode(text));
  }
}

function routeMatches(route: string, method: string, path: string): boolean {
  const [routeMethod, routePath = ""] = route.split(" ");
  if (routeMethod !== method) return false;
  const pattern = new RegExp(`^${routePath.replace(/:[a-z_]+/g, "[^/]+")}$`);
  return pattern.test(path);
}

export function session(overrides: Partial<Session> = {}): Session {
  return {
    object: "session",
    access_token: "token-1",
    token_type: "bearer",
    expires_in: 3600,
    user: { id: "usr_1", email: "owner@example.com", role: "owner" },
    merchant: { id: "acct_1", name: "Duka Ltd" },
    ...overrides,
  };
}

let counter = 0;
export function intent(overrides: Partial<PaymentIntent> = {}): PaymentIntent {
  counter += 1;
  return {
    id: `pi_${String(counter).padStart(24, "0")}`,
    object: "payment_intent",
    livemode: false,
    amount: 150000,
    currency: "kes",
    status: "processing",
    phone_number: "254708374149",
    account_reference: "INV1",
    description: "Order 1",
    metadata: {},
    client_secret: null,
    next_action: null,
    last_payment_error: null,
    mpesa: null,
    created: Math.floor(Date.now() / 1000),
    updated: Math.floor(Date.now() / 1000),
    canceled_at: null,
    cancellation_reason: null,
    ...overrides,
  };
}

export function eventFor(object: PaymentIntent, type = `payment_intent.${object.status}`): MicropayEvent {
  counter += 1;
  return {
    id: `evt_${String(counter).padStart(24, "0")}`,
    object: "event",
    type,
    created: object.updated,
    livemode: object.livemode,
    api_version: "2026-12-01",
    data: { object },
    request: null,
    pending_webhooks: 0,
  };
}

export function list<T>(data: T[], has_more = false) {
  return { object: "list" as const, data, has_more };
}
