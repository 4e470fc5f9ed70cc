/**
 * The checkout page: the merchant's server renders a link with `payment_intent`, `client_secret` and `key`
 * (its publishable key); the customer enters a phone number, approves the prompt on the phone, and the page
 * follows the intent live (stream, else long-poll) to "Paid" or the reason it failed.
 */

import "./style.css";
import { isNewer, loadMicropay, type Micropay, type PaymentIntent } from "@micropay/js";
import { describeError, describeFailure, formatAmount } from "./messages";

function element<T extends HTMLElement>(id: string, kind: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) throw new Error(`The page has no #${id}.`);
  return found;
}

const view = {
  amount: element("amount", HTMLParagraphElement),
  headline: element("headline", HTMLHeadingElement),
  detail: element("detail", HTMLParagraphElement),
  form: element("pay-form", HTMLFormElement),
  phone: element("phone", HTMLInputElement),
  pay: element("pay", HTMLButtonElement),
  problem: element("problem", HTMLParagraphElement),
};

function show(headline: string, detail = ""): void {
  view.headline.textContent = headline;
  view.detail.textContent = detail;
}

function showProblem(message: string | null): void {
  view.problem.textContent = message ?? "";
  view.problem.hidden = message === null;
}

function askForPhone(intent: PaymentIntent, button: string): void {
  view.form.hidden = false;
  view.pay.disabled = false;
  view.pay.textContent = button;
  if (view.phone.value === "" && intent.phone_number) view.phone.value = intent.phone_number;
}

let shown: PaymentIntent | null = null;

function render(intent: PaymentIntent): void {
  if (!isNewer(intent, shown)) return;
  shown = intent;
  const amount = formatAmount(intent.amount);
  view.amount.textContent = amount;
  view.form.hidden = true;
  switch (intent.status) {
    case "requires_payment_method":
      show(`Pay ${amount} with M-Pesa`, "Enter the Safaricom number that will pay.");
      askForPhone(intent, `Pay ${amount}`);
      break;
    case "processing": {
      const phone = intent.next_action?.phone_number;
      show("Check your phone", `Enter your M-Pesa PIN${phone ? ` on ${phone}` : ""} to pay ${amount}.`);
      showProblem(null);
      break;
    }
    case "succeeded": {
      const receipt = intent.mpesa?.receipt_number;
      show("Paid", `Thank you: ${amount} received.${receipt ? ` M-Pesa receipt ${receipt}.` : ""}`);
      showProblem(null);
      break;
    }
    case "failed":
      show("Payment failed", describeFailure(intent.last_payment_error?.code));
      askForPhone(intent, "Try again");
      break;
    case "canceled":
      show("Payment cancelled", "The shop cancelled this payment. Nothing was charged.");
      break;
  }
}

function start(micropay: Micropay, id: string, clientSecret: string): void {
  micropay.watchPaymentIntent(id, clientSecret, render, (error) => {
    if (shown === null) show("This payment cannot be shown");
    showProblem(describeError(error));
  });

  view.form.addEventListener("submit", (event) => {
    event.preventDefault();
    view.pay.disabled = true;
    showProblem(null);
    micropay
      .confirmPaymentIntent(id, { clientSecret, phoneNumber: view.phone.value })
      .then(render)
      .catch((error: unknown) => {
        showProblem(describeError(error));
        view.pay.disabled = false;
      });
  });
}

function main(): void {
  const query = new URLSearchParams(window.location.search);
  const id = query.get("payment_intent");
  const clientSecret = query.get("client_secret");
  const key = query.get("key");
  if (!id || !clientSecret || !key) {
    show("This checkout link is incomplete", "It needs payment_intent, client_secret and key. Ask the shop for a new link.");
    return;
  }
  let micropay: Micropay;
  try {
    micropay = loadMicropay(key);
  } catch {
    show("This checkout link is not valid", "Its key is not a publishable key. Ask the shop for a new link.");
    return;
  }
  start(micropay, id, clientSecret);
}

main();
