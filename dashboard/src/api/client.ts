// The dashboard's only way to the API: a thin typed client over fetch (contract §1-§11).
// Every call carries the session's access token and the chosen environment (x-micropay-env); every POST
// carries an Idempotency-Key made once per logical operation and reused if the call is sent again.
import type {
  ApiKey,
  CredentialsInput,
  Environment,
  ErrorBody,
  IntentStatus,
  ListOf,
  Me,
  MicropayEvent,
  MpesaCredentials,
  PaymentIntent,
  ProviderAttempt,
  Session,
  SessionInfo,
  User,
  WebhookDelivery,
  WebhookEndpoint,
} from "./types";

export * from "./types";

/** A non-2xx answer, carrying the contract's error fields. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly param: string | null;
  readonly requestId: string | null;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.type = body.type;
    this.code = body.code;
    this.param = body.param ?? null;
    this.requestId = body.request_id ?? null;
  }
}

export interface ClientOptions {
  /** The access token now (kept in memory by the session provider), or null when signed out. */
  token: () => string | null;
  environment: () => Environment;
  /** Called once on a 401 with a token: refresh the session; true when the call should be sent again. */
  onUnauthorized?: () => Promise<boolean>;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | undefined | null>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Auth calls send no bearer token and no environment. */
  anonymous?: boolean;
  headers?: Record<string, string>;
}

const CSRF_COOKIE = "micropay_csrf";

/** The double-submit CSRF value: the micropay_csrf cookie, echoed in x-micropay-csrf (§10). */
export function csrfToken(cookies: string = document.cookie): string | null {
  for (const part of cookies.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return null;
}

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function newIdempotencyKey(): string {
  return `dash_${crypto.randomUUID()}`;
}

async function errorFrom(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: ErrorBody };
    if (body.error) return new ApiError(response.status, body.error);
  } catch {
    // Not the contract's JSON (a proxy's page, say): fall through to a generic error.
  }
  return new ApiError(response.status, {
    type: "api_error",
    code: `http_${response.status}`,
    message: `The server answered ${response.status}.`,
    request_id: response.headers.get("Request-Id"),
  });
}

export function createClient(options: ClientOptions) {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  function headersFor(method: string, request: RequestOptions, idempotencyKey: string | null): Headers {
    const headers = new Headers({ Accept: "application/json", ...request.headers });
    if (request.body !== undefined) headers.set("Content-Type", "application/json");
    if (idempotencyKey) headers.set("Idempotency-Key", idempotencyKey);
    if (!request.anonymous) {
      const token = options.token();
      if (token) headers.set("Authorization", `Bearer ${token}`);
      headers.set("x-micropay-env", options.environment());
    }
    if (method === "POST" && request.anonymous) {
      const csrf = csrfToken();
      if (csrf) headers.set("x-micropay-csrf", csrf);
    }
    return headers;
  }

  async function request<T>(method: string, path: string, request: RequestOptions = {}): Promise<T> {
    // The /v1/auth routes take no Idempotency-Key (their answers hold tokens that must never be stored).
    const idempotent = method === "POST" && !request.anonymous && !path.startsWith("/v1/auth/");
    const idempotencyKey = idempotent ? newIdempotencyKey() : null;
    const send = () =>
      doFetch(`${path}${queryString(request.query)}`, {
        method,
        headers: headersFor(method, request, idempotencyKey),
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        credentials: "same-origin",
      });
    let response = await send();
    if (response.status === 401 && !request.anonymous && options.onUnauthorized && (await options.onUnauthorized())) {
      response = await send();
    }
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as T;
  }

  const get = <T>(path: string, query?: Query) => request<T>("GET", path, { query });
  const post = <T>(path: string, body: unknown = {}) => request<T>("POST", path, { body });
  const id = encodeURIComponent;

  return {
    request,
    auth: {
      login: (email: string, password: string) =>
        request<Session>("POST", "/v1/auth/login", { anonymous: true, body: { email, password } }),
      signup: (email: string, password: string, business_name: string) =>
        request<Session>("POST", "/v1/auth/signup", { anonymous: true, body: { email, password, business_name } }),
      /** Refresh by the HttpOnly cookie; the body names no token (the dashboard never holds one). */
      refresh: () => request<Session>("POST", "/v1/auth/refresh", { anonymous: true, body: {} }),
      logout: () => post<unknown>("/v1/auth/logout"),
      me: () => get<Me>("/v1/me"),
      sessions: () => get<ListOf<SessionInfo>>("/v1/auth/sessions"),
      revokeSession: (sessionId: string) => request<unknown>("DELETE", `/v1/auth/sessions/${id(sessionId)}`),
      changePassword: (current_password: string, new_password: string) =>
        post<unknown>("/v1/auth/password", { current_password, new_password }),
    },
    users: {
      list: () => get<ListOf<User>>("/v1/users"),
      create: (email: string, role: User["role"], password: string) =>
        post<User>("/v1/users", { email, role, password }),
      remove: (userId: string) => request<unknown>("DELETE", `/v1/users/${id(userId)}`),
    },
    paymentIntents: {
      list: (query: { limit?: number; starting_after?: string; status?: IntentStatus | "" } = {}) =>
        get<ListOf<PaymentIntent>>("/v1/payment_intents", query),
      retrieve: (intentId: string) => get<PaymentIntent>(`/v1/payment_intents/${id(intentId)}`),
      create: (body: { amount: number; currency: "kes"; phone_number?: string; description?: string; confirm?: boolean }) =>
        post<PaymentIntent>("/v1/payment_intents", body),
      cancel: (intentId: string) => post<PaymentIntent>(`/v1/payment_intents/${id(intentId)}/cancel`),
      reconcile: (intentId: string) => post<PaymentIntent>(`/v1/payment_intents/${id(intentId)}/reconcile`),
      attempts: (intentId: string) => get<ListOf<ProviderAttempt>>(`/v1/payment_intents/${id(intentId)}/attempts`),
      events: (intentId: string) => get<ListOf<MicropayEvent>>(`/v1/payment_intents/${id(intentId)}/events`),
    },
    events: {
      list: (query: { limit?: number; starting_after?: string; type?: string } = {}) =>
        get<ListOf<MicropayEvent>>("/v1/events", query),
      retrieve: (eventId: string) => get<MicropayEvent>(`/v1/events/${id(eventId)}`),
      deliveries: (eventId: string) => get<ListOf<WebhookDelivery>>(`/v1/events/${id(eventId)}/deliveries`),
      retry: (eventId: string, endpoint: string) => post<WebhookDelivery>(`/v1/events/${id(eventId)}/retry`, { endpoint }),
    },
    webhookEndpoints: {
      list: () => get<ListOf<WebhookEndpoint>>("/v1/webhook_endpoints", { limit: 100 }),
      retrieve: (endpointId: string) => get<WebhookEndpoint>(`/v1/webhook_endpoints/${id(endpointId)}`),
      create: (body: { url: string; enabled_events: string[]; description?: string }) =>
        post<WebhookEndpoint>("/v1/webhook_endpoints", body),
      update: (endpointId: string, body: { disabled?: boolean; url?: string; description?: string }) =>
        post<WebhookEndpoint>(`/v1/webhook_endpoints/${id(endpointId)}`, body),
      remove: (endpointId: string) => request<unknown>("DELETE", `/v1/webhook_endpoints/${id(endpointId)}`),
      rotateSecret: (endpointId: string, expires_in?: number) =>
        post<WebhookEndpoint>(`/v1/webhook_endpoints/${id(endpointId)}/rotate_secret`, expires_in === undefined ? {} : { expires_in }),
      deliveries: (endpointId: string) =>
        get<ListOf<WebhookDelivery>>(`/v1/webhook_endpoints/${id(endpointId)}/deliveries`),
      recover: (endpointId: string, since: number, until?: number) =>
        post<unknown>(`/v1/webhook_endpoints/${id(endpointId)}/recover`, until === undefined ? { since } : { since, until }),
    },
    apiKeys: {
      list: () => get<ListOf<ApiKey>>("/v1/api_keys"),
      roll: (type: ApiKey["type"], expires_in?: number) =>
        post<ApiKey>("/v1/api_keys/roll", expires_in ? { type, expires_in } : { type }),
    },
    credentials: {
      retrieve: () => get<MpesaCredentials>("/v1/mpesa_credentials"),
      update: (body: CredentialsInput) => request<MpesaCredentials>("PUT", "/v1/mpesa_credentials", { body }),
    },
    /** The merchant's event stream (§11), read with fetch so the token travels in a header, not the URL. */
    streamEvents: (
      after: string | null,
      signal: AbortSignal,
      onEvent: (event: MicropayEvent) => void,
      onOpen: () => void = () => undefined,
    ) =>
      readEventStream(doFetch, headersFor("GET", { headers: { Accept: "text/event-stream" } }, null), after, signal, onEvent, onOpen),
  };
}

export type Client = ReturnType<typeof createClient>;

/** One text/event-stream connection: resolves when the server closes it; rejects on HTTP errors. */
async function readEventStream(
  doFetch: typeof fetch,
  headers: Headers,
  after: string | null,
  signal: AbortSignal,
  onEvent: (event: MicropayEvent) => void,
  onOpen: () => void,
): Promise<string | null> {
  if (after) headers.set("Last-Event-ID", after);
  const response = await doFetch("/v1/events/stream", { headers, signal, credentials: "same-origin" });
  if (!response.ok || !response.body) throw await errorFrom(response);
  onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let lastId = after;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return lastId;
    buffer += value.replace(/\r\n?/g, "\n");
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const parsed = parseSseBlock(block);
      if (parsed.id) lastId = parsed.id;
      if (parsed.data) onEvent(JSON.parse(parsed.data) as MicropayEvent);
    }
  }
}

/** The fields of one server-sent event; comment lines (keep-alives) carry nothing. */
export function parseSseBlock(block: string): { id: string | null; event: string | null; data: string | null } {
  let id: string | null = null;
  let event: string | null = null;
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") id = value;
    else if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return { id, event, data: data.length ? data.join("\n") : null };
}
