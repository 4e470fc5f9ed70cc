/** One HTTP exchange with the API: publishable-key auth, JSON in and out, contract errors as exceptions. */

import { ApiError, ConnectionError, errorFromBody, isErrorBody, type MicropayError } from "./errors.js";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiResponse<T> {
  body: T;
  status: number;
  headers: Headers;
}

export class HttpClient {
  constructor(
    private readonly baseUrl: string,
    private readonly publishableKey: string,
    private readonly fetchImpl: FetchLike,
  ) {}

  url(path: string, query: Record<string, string | undefined> = {}): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) params.set(name, value);
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ""}`;
  }

  async request<T>(
    method: "GET" | "POST",
    path: string,
    options: { query?: Record<string, string | undefined>; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {
      Accept: "application/json",
      Authorization: `Bearer ${this.publishableKey}`,
    };
    const init: RequestInit = { method, headers, credentials: "omit" };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    if (options.signal) init.signal = options.signal;
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path, options.query), init);
    } catch (cause) {
      if (options.signal?.aborted) throw cause;
      throw connectionError(cause);
    }
    const payload = await readJson(response);
    if (response.ok && payload.ok) {
      return { body: payload.value as T, status: response.status, headers: response.headers };
    }
    throw responseError(response, payload.ok ? payload.value : undefined);
  }
}

async function readJson(response: Response): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: await response.json() };
  } catch {
    return { ok: false };
  }
}

function responseError(response: Response, payload: unknown): MicropayError {
  const requestId = response.headers.get("Request-Id");
  const error = typeof payload === "object" && payload !== null ? (payload as { error?: unknown }).error : undefined;
  if (!response.ok && isErrorBody(error)) {
    return errorFromBody({ ...error, request_id: error.request_id ?? requestId }, response.status);
  }
  return new ApiError(
    {
      type: "api_error",
      code: "unexpected_response",
      message: `The server answered HTTP ${response.status} with a body that is not a Micropay ${response.ok ? "object" : "error"}.`,
      request_id: requestId,
    },
    response.status,
  );
}

function connectionError(cause: unknown): ConnectionError {
  const detail = cause instanceof Error ? `: ${cause.message}` : "";
  return new ConnectionError(
    { type: "connection_error", code: "connection_failed", message: `Could not reach the Micropay API${detail}.` },
    null,
  );
}
