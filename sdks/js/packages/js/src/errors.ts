/** Errors: one class per contract error `type` (§2), each carrying `code`, `param` and the `requestId`. */

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "idempotency_error"
  | "provider_error"
  | "api_error"
  | "rate_limit_error"
  | "connection_error";

/** The body of every non-2xx response: `{"error": {...}}`. */
export interface ErrorBody {
  type: string;
  code: string;
  message: string;
  param?: string | null;
  request_id?: string | null;
}

export class MicropayError extends Error {
  override readonly name: string = "MicropayError";
  readonly type: string;
  readonly code: string;
  /** The request field at fault, when there is one. */
  readonly param: string | null;
  /** `req_...`: quote it to the merchant's support; the same id is in the server's logs. */
  readonly requestId: string | null;
  /** The HTTP status, or null when no response arrived. */
  readonly statusCode: number | null;

  constructor(body: ErrorBody, statusCode: number | null) {
    super(body.message);
    this.type = body.type;
    this.code = body.code;
    this.param = body.param ?? null;
    this.requestId = body.request_id ?? null;
    this.statusCode = statusCode;
  }
}

export class InvalidRequestError extends MicropayError {
  override readonly name = "InvalidRequestError";
}
export class AuthenticationError extends MicropayError {
  override readonly name = "AuthenticationError";
}
export class PermissionError extends MicropayError {
  override readonly name = "PermissionError";
}
export class IdempotencyError extends MicropayError {
  override readonly name = "IdempotencyError";
}
/** M-Pesa (Daraja) is unavailable (503) or refused the merchant's setup (502). */
export class ProviderError extends MicropayError {
  override readonly name = "ProviderError";
}
export class RateLimitError extends MicropayError {
  override readonly name = "RateLimitError";
}
/** An unexpected answer from the server (a bug on its side, or not a Micropay server at all). */
export class ApiError extends MicropayError {
  override readonly name = "ApiError";
}
/** The request did not reach the server, or its answer did not arrive. */
export class ConnectionError extends MicropayError {
  override readonly name = "ConnectionError";
}

const BY_TYPE: Record<string, new (body: ErrorBody, statusCode: number | null) => MicropayError> = {
  invalid_request_error: InvalidRequestError,
  authentication_error: AuthenticationError,
  permission_error: PermissionError,
  idempotency_error: IdempotencyError,
  provider_error: ProviderError,
  rate_limit_error: RateLimitError,
  api_error: ApiError,
};

/** The error for a contract error body; an unknown `type` still keeps its fields. */
export function errorFromBody(body: ErrorBody, statusCode: number | null): MicropayError {
  const Known = BY_TYPE[body.type];
  return Known ? new Known(body, statusCode) : new MicropayError(body, statusCode);
}

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.type === "string" && typeof candidate.code === "string" && typeof candidate.message === "string";
}
