export { loadMicropay, IntegrationError } from "./micropay.js";
export type { ConfirmPaymentIntentParams, Micropay, MicropayOptions } from "./micropay.js";
export {
  ApiError,
  AuthenticationError,
  ConnectionError,
  IdempotencyError,
  InvalidRequestError,
  MicropayError,
  PermissionError,
  ProviderError,
  RateLimitError,
} from "./errors.js";
export type { ErrorBody, ErrorType } from "./errors.js";
export { isTerminal, PAYMENT_INTENT_EVENT_TYPES, TERMINAL_STATUSES } from "./types.js";
export type {
  EventType,
  LastPaymentError,
  MicropayEvent,
  MpesaDetails,
  NextAction,
  PaymentErrorCode,
  PaymentIntent,
  PaymentIntentStatus,
} from "./types.js";
export { isNewer } from "./watch.js";
export type { EventSourceConstructor, EventSourceLike } from "./watch.js";
export type { FetchLike } from "./http.js";
