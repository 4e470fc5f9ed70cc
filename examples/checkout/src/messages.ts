/** What the customer reads: every outcome and error in plain words. */

import { ConnectionError, MicropayError } from "@micropay/js";

/** 150000 (cents) -> "KES 1,500": the same in every browser (Intl's en-KE says "Ksh" in some, "KES" in others). */
export function formatAmount(amount: number): string {
  const shillings = String(Math.floor(amount / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = amount % 100;
  return `KES ${shillings}${cents ? `.${String(cents).padStart(2, "0")}` : ""}`;
}

/** Why M-Pesa did not take the money, by `last_payment_error.code` (contract §3). */
const FAILURES: Record<string, string> = {
  insufficient_funds: "Insufficient funds: your M-Pesa balance is too low for this payment.",
  amount_limit_exceeded: "This payment is above your M-Pesa transaction or daily limit.",
  duplicate_request_rule: "M-Pesa is still busy with an earlier request to this phone. Wait a minute and try again.",
  expired: "The prompt on your phone expired before the PIN was entered.",
  prompt_failed: "The payment prompt could not be shown on your phone.",
  canceled_by_customer: "You cancelled the payment on your phone.",
  customer_unreachable: "We could not reach your phone. Check that it is on and has network, then try again.",
  wrong_pin: "The M-Pesa PIN entered was wrong.",
  merchant_misconfigured: "The shop's M-Pesa account is not set up correctly. Please contact the shop.",
  account_locked: "Your M-Pesa account is locked. Please contact Safaricom.",
  provider_declined: "M-Pesa declined the payment.",
};

export function describeFailure(code: string | undefined): string {
  return (code !== undefined ? FAILURES[code] : undefined) ?? "M-Pesa could not complete the payment.";
}

/** Why confirming (sending the prompt) did not work. */
export function describeError(error: unknown): string {
  if (error instanceof ConnectionError) {
    return "We could not reach the payment service. Check your internet connection and try again.";
  }
  if (!(error instanceof MicropayError)) return "Something went wrong. Please try again.";
  switch (error.code) {
    case "phone_number_invalid":
      return "That is not a phone number M-Pesa can use. Enter a Safaricom number such as 0712 345 678.";
    case "parameter_missing":
      return error.param === "phone_number" ? "Enter the phone number to pay with." : error.message;
    case "provider_unavailable":
      return "M-Pesa is not answering right now. Please try again in a minute.";
    case "provider_configuration_error":
      return "The shop's M-Pesa setup has a problem, so it cannot take payments right now. Please contact the shop.";
    case "intent_unexpected_state":
      return "This payment is already being processed or is finished.";
    case "resource_missing":
      return "This payment could not be found. Ask the shop for a new checkout link.";
    case "api_key_invalid":
      return "This checkout link is not valid: the shop's key was refused.";
    default:
      return error.message;
  }
}
