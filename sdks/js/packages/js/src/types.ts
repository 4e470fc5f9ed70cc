/** The objects of Micropay's public contract (§3 payment intents, §8 events), as the browser sees them. */

export type PaymentIntentStatus = "requires_payment_method" | "processing" | "succeeded" | "failed" | "canceled";

/** `succeeded` and `canceled` never change again; `failed` may be confirmed again (a retry). */
export const TERMINAL_STATUSES: readonly PaymentIntentStatus[] = ["succeeded", "canceled"];

export function isTerminal(status: PaymentIntentStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Why the last attempt failed; `code` is one of the contract's reasons (see `PaymentErrorCode`). */
export interface LastPaymentError {
  code: PaymentErrorCode | (string & {});
  message: string;
  mpesa_result_code: string | null;
}

export type PaymentErrorCode =
  | "insufficient_funds"
  | "amount_limit_exceeded"
  | "duplicate_request_rule"
  | "expired"
  | "prompt_failed"
  | "canceled_by_customer"
  | "customer_unreachable"
  | "wrong_pin"
  | "merchant_misconfigured"
  | "account_locked"
  | "provider_declined";

export interface NextAction {
  type: "mpesa_stk_prompt";
  /** Masked, e.g. `2547*****678`. */
  phone_number: string;
  expires_at: number;
}

export interface MpesaDetails {
  checkout_request_id: string | null;
  merchant_request_id: string | null;
  receipt_number: string | null;
  transaction_date: number | null;
  phone_number: string | null;
}

export interface PaymentIntent {
  id: string;
  object: "payment_intent";
  livemode: boolean;
  /** Minor units (cents) of KES: 150000 is KES 1,500. */
  amount: number;
  currency: "kes";
  status: PaymentIntentStatus;
  phone_number: string | null;
  account_reference: string;
  description: string | null;
  /** Omitted when read with a publishable key. */
  metadata?: Record<string, string>;
  client_secret: string | null;
  next_action: NextAction | null;
  last_payment_error: LastPaymentError | null;
  mpesa: MpesaDetails | null;
  created: number;
  updated: number;
  canceled_at: number | null;
  cancellation_reason: string | null;
  /** Grows by one with every change, when the server reports it (used by `wait?until=change`). */
  version?: number;
}

export type EventType =
  | "payment_intent.created"
  | "payment_intent.processing"
  | "payment_intent.succeeded"
  | "payment_intent.payment_failed"
  | "payment_intent.canceled"
  | "payment_intent.amount_mismatch"
  | "payment_intent.unexpected_payment";

export const PAYMENT_INTENT_EVENT_TYPES: readonly EventType[] = [
  "payment_intent.created",
  "payment_intent.processing",
  "payment_intent.succeeded",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
  "payment_intent.amount_mismatch",
  "payment_intent.unexpected_payment",
];

export interface MicropayEvent {
  id: string;
  object: "event";
  type: EventType;
  created: number;
  livemode: boolean;
  api_version: string;
  data: { object: PaymentIntent };
  request: { id: string; idempotency_key: string | null } | null;
  pending_webhooks: number;
}
