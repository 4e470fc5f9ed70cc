// The public API's objects, as the contract (docs/api-contract §3-§11) defines them. Amounts are cents.

export type Environment = "sandbox" | "production";

export type IntentStatus = "requires_payment_method" | "processing" | "succeeded" | "failed" | "canceled";

export interface ListOf<T> {
  object: "list";
  data: T[];
  has_more: boolean;
}

export interface PaymentError {
  code: string;
  message: string;
  mpesa_result_code?: string | null;
}

export interface PaymentIntent {
  id: string;
  object: "payment_intent";
  livemode: boolean;
  amount: number;
  currency: string;
  status: IntentStatus;
  phone_number: string | null;
  account_reference: string;
  description: string | null;
  metadata?: Record<string, string>;
  client_secret: string | null;
  next_action: { type: string; phone_number: string; expires_at: number } | null;
  last_payment_error: PaymentError | null;
  mpesa: {
    checkout_request_id: string | null;
    merchant_request_id: string | null;
    receipt_number: string | null;
    transaction_date: number | null;
    phone_number: string | null;
  } | null;
  created: number;
  updated: number;
  canceled_at: number | null;
  cancellation_reason: string | null;
}

export interface ProviderAttempt {
  object: "provider_attempt";
  id: string;
  kind: "stk_push" | "callback" | "stk_query";
  created: number;
  request: unknown;
  response: unknown;
  http_status: number | null;
  outcome: string | null;
}

export interface MicropayEvent {
  id: string;
  object: "event";
  type: string;
  created: number;
  livemode: boolean;
  api_version: string;
  data: { object: PaymentIntent };
  request: { id: string | null; idempotency_key: string | null } | null;
  pending_webhooks: number;
}

export interface DeliveryAttempt {
  created: number;
  http_status: number | null;
  duration_ms: number | null;
  error: string | null;
  response_excerpt: string | null;
}

export interface WebhookDelivery {
  object: "webhook_delivery";
  id: string;
  event: string;
  endpoint: string;
  status: "pending" | "succeeded" | "failed";
  attempts: DeliveryAttempt[];
  next_attempt_at: number | null;
}

export interface WebhookEndpoint {
  id: string;
  object: "webhook_endpoint";
  url: string;
  enabled_events: string[];
  description: string | null;
  status: "enabled" | "disabled";
  disabled_reason: null | "gone" | "failing" | "manual";
  livemode: boolean;
  created: number;
  secret?: string;
}

export interface ApiKey {
  object: "api_key";
  id: string;
  type: "secret" | "publishable";
  livemode: boolean;
  display_prefix: string;
  created: number;
  expires?: number | null;
  expires_at?: number | null;
  key?: string;
}

export interface MpesaCredentials {
  object: "mpesa_credentials";
  environment: Environment;
  business_short_code: string;
  transaction_type: "CustomerPayBillOnline" | "CustomerBuyGoodsOnline";
  party_b: string | null;
  consumer_key_last4: string;
  updated: number;
}

export interface CredentialsInput {
  consumer_key: string;
  consumer_secret: string;
  business_short_code: string;
  passkey: string;
  transaction_type: MpesaCredentials["transaction_type"];
  party_b?: string;
}

export type Role = "owner" | "developer";

export interface User {
  id: string;
  object?: "user";
  email: string;
  role: Role;
  created?: number;
}

export interface Merchant {
  id: string;
  name: string;
}

export interface Session {
  object: "session";
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  user: User;
  merchant: Merchant;
}

export interface SessionInfo {
  id: string;
  object?: string;
  created: number;
  last_used?: number | null;
  last_refreshed?: number | null;
  expires?: number | null;
  expires_at?: number | null;
  user_agent?: string | null;
  current?: boolean;
}

export interface Me {
  user: User;
  merchant: Merchant;
}

export interface ErrorBody {
  type: string;
  code: string;
  message: string;
  param?: string | null;
  request_id?: string | null;
}
