import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { apiError, eventFor, intent, json, list } from "../test/fakeApi";
import { renderApp, signedInApi } from "../test/renderApp";

describe("payments", () => {
  it("updates the list live from the event stream, and ignores the other environment's events", async () => {
    const waiting = intent({ status: "processing", amount: 250_000 });
    const api = signedInApi().on("GET /v1/payment_intents", list([waiting]));
    renderApp(api, "/payments");
    const row = await screen.findByRole("row", { name: /KES 2,500/ });
    expect(within(row).getByText("Processing")).toBeInTheDocument();
    await waitFor(() => expect(api.streaming).toBe(true));

    api.push(eventFor({ ...waiting, status: "failed", updated: waiting.updated + 1, last_payment_error: { code: "insufficient_funds", message: "Not enough" } }));
    await waitFor(() => expect(within(screen.getByRole("row", { name: /KES 2,500/ })).getByText("Failed")).toBeInTheDocument());
    expect(within(screen.getByRole("row", { name: /KES 2,500/ })).getByText(/insufficient funds/)).toBeInTheDocument();

    // A production event (newer) must not touch the sandbox list; the sandbox event after it must.
    api.push(eventFor({ ...waiting, status: "succeeded", livemode: true, updated: waiting.updated + 5 }));
    const fresh = intent({ status: "succeeded", amount: 100 });
    api.push(eventFor(fresh));
    expect(await screen.findByRole("row", { name: /KES 1 / })).toBeInTheDocument();
    expect(within(screen.getByRole("row", { name: /KES 2,500/ })).getByText("Failed")).toBeInTheDocument();
    expect(api.requestsTo("GET", "/v1/payment_intents")).toHaveLength(1);
  });

  it("filters by status at the API and searches by phone and receipt in the list", async () => {
    const a = intent({ phone_number: "254711000001", mpesa: { checkout_request_id: "ws_1", merchant_request_id: "m", receipt_number: "NLJ7RT61SV", transaction_date: 1, phone_number: "254711000001" } });
    const b = intent({ phone_number: "254708374149" });
    const api = signedInApi().on("GET /v1/payment_intents", list([a, b]));
    renderApp(api, "/payments");
    expect(await screen.findAllByTestId("payment-row")).toHaveLength(2);

    await userEvent.type(screen.getByRole("searchbox", { name: "Search" }), "0711 000 001");
    expect(screen.getAllByTestId("payment-row")).toHaveLength(1);
    await userEvent.clear(screen.getByRole("searchbox", { name: "Search" }));
    await userEvent.type(screen.getByRole("searchbox", { name: "Search" }), "nlj7rt61sv");
    expect(screen.getAllByTestId("payment-row").map((r) => r.dataset.intent)).toEqual([a.id]);

    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Status" }), "Failed");
    await waitFor(() => expect(api.requestsTo("GET", "/v1/payment_intents").at(-1)?.query.get("status")).toBe("failed"));
  });

  it("offers to open a payment id that is not among those loaded", async () => {
    renderApp(signedInApi(), "/payments");
    await userEvent.type(await screen.findByRole("searchbox", { name: "Search" }), "pi_0VcaO8pIQqVI7jFGTZLt3X2i");
    expect(screen.getByRole("link", { name: "open pi_0VcaO8pIQqVI7jFGTZLt3X2i" })).toHaveAttribute(
      "href",
      "/payments/pi_0VcaO8pIQqVI7jFGTZLt3X2i",
    );
  });

  it("creates a sandbox test payment in cents, confirmed, on the chosen simulator number", async () => {
    const api = signedInApi().on("POST /v1/payment_intents", (request) =>
      json({ ...intent({ status: "processing" }), ...(request.body as object) }, 201),
    );
    renderApp(api, "/payments");
    const amount = await screen.findByRole("textbox", { name: "Amount (KES)" });
    await userEvent.clear(amount);
    await userEvent.type(amount, "1,500");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Test phone number" }), "254711000001");
    await userEvent.click(screen.getByRole("button", { name: "Send test payment" }));
    await waitFor(() => expect(api.requestsTo("POST", "/v1/payment_intents")).toHaveLength(1));
    expect(api.requestsTo("POST", "/v1/payment_intents")[0]?.body).toEqual({
      amount: 150000,
      currency: "kes",
      phone_number: "254711000001",
      description: "Test payment",
      confirm: true,
    });
    const status = await screen.findByText((_, element) => element?.tagName === "P" && /^Sent KES 1,500 to 254711000001: pi_/.test(element.textContent ?? ""));
    expect(within(status).getByRole("link")).toHaveAttribute("href", expect.stringMatching(/^\/payments\/pi_/));
  });

  it("shows a failed payment's reason, its M-Pesa timeline, and cancels it", async () => {
    const failed = intent({ status: "failed", last_payment_error: { code: "insufficient_funds", message: "The balance is insufficient.", mpesa_result_code: "1" } });
    const event = eventFor(failed, "payment_intent.payment_failed");
    const api = signedInApi()
      .on(`GET /v1/payment_intents/${failed.id}`, failed)
      .on(`GET /v1/payment_intents/${failed.id}/attempts`, list([{ object: "provider_attempt", id: "pa_1", kind: "stk_push", created: 1, request: { Amount: 1500 }, response: { ResponseCode: "0" }, http_status: 200, outcome: "accepted" }]))
      .on(`GET /v1/payment_intents/${failed.id}/events`, list([event]))
      .on(`GET /v1/events/${event.id}/deliveries`, list([{ object: "webhook_delivery", id: "wd_1", event: event.id, endpoint: "we_1", status: "failed", attempts: [{ created: 2, http_status: 500, duration_ms: 12, error: null, response_excerpt: "boom" }], next_attempt_at: null }]))
      .on(`POST /v1/payment_intents/${failed.id}/cancel`, { ...failed, status: "canceled" })
      .on(`POST /v1/events/${event.id}/retry`, {});
    renderApp(api, `/payments/${failed.id}`);
    expect(await screen.findByTestId("failure-reason")).toHaveTextContent("insufficient funds: The balance is insufficient. (M-Pesa result 1)");
    expect(screen.getByText("STK push sent")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Reconcile" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Retry now" }));
    await waitFor(() => expect(api.requestsTo("POST", `/v1/events/${event.id}/retry`)[0]?.body).toEqual({ endpoint: "we_1" }));
    await userEvent.click(screen.getByRole("button", { name: "Cancel payment" }));
    await waitFor(() => expect(api.requestsTo("POST", `/v1/payment_intents/${failed.id}/cancel`)).toHaveLength(1));
  });
});

describe("developers", () => {
  it("rolls a key with an overlap and shows the new key once, with a copy button", async () => {
    const api = signedInApi()
      .on("GET /v1/api_keys", list([{ object: "api_key", id: "key_1", type: "secret", livemode: false, display_prefix: "sk_test_ab", created: 1, expires_at: null }]))
      .on("POST /v1/api_keys/roll", { object: "api_key", id: "key_2", type: "secret", livemode: false, display_prefix: "sk_test_cd", created: 2, key: "sk_test_cdNEWKEY" });
    renderApp(api, "/developers/api-keys");
    expect(await screen.findByText("sk_test_ab…")).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Old key stops working" }), "In 24 hours");
    await userEvent.click(screen.getByRole("button", { name: "Roll key" }));
    const shown = await screen.findByRole("region", { name: "Your new secret key" });
    expect(within(shown).getByTestId("secret-value")).toHaveTextContent("sk_test_cdNEWKEY");
    expect(within(shown).getByRole("button", { name: "Copy" })).toBeInTheDocument();
    expect(api.requestsTo("POST", "/v1/api_keys/roll")[0]?.body).toEqual({ type: "secret", expires_in: 86400 });
    await userEvent.click(within(shown).getByRole("button", { name: "I have saved it" }));
    expect(screen.queryByText("sk_test_cdNEWKEY")).not.toBeInTheDocument();
  });

  it("registers a webhook endpoint and shows its secret once", async () => {
    const api = signedInApi().on("POST /v1/webhook_endpoints", (request) =>
      json({ id: "we_1", object: "webhook_endpoint", enabled_events: ["*"], description: null, status: "enabled", disabled_reason: null, livemode: false, created: 1, secret: "whsec_abc", ...(request.body as object) }),
    );
    renderApp(api, "/developers/webhooks");
    await userEvent.type(await screen.findByRole("textbox", { name: "Endpoint URL" }), "https://shop.example/hooks");
    await userEvent.click(screen.getByRole("button", { name: "Add endpoint" }));
    expect(await screen.findByTestId("secret-value")).toHaveTextContent("whsec_abc");
    expect(api.requestsTo("POST", "/v1/webhook_endpoints")[0]?.body).toEqual({ url: "https://shop.example/hooks", enabled_events: ["*"] });
  });

  it("shows credentials masked, and a missing set as a form rather than an error", async () => {
    const api = signedInApi().on("GET /v1/mpesa_credentials", apiError(404, "resource_missing"));
    renderApp(api, "/developers/credentials");
    expect(await screen.findByText(/None set: sandbox payments use the server's default/)).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    api.on("GET /v1/mpesa_credentials", { object: "mpesa_credentials", environment: "sandbox", business_short_code: "174379", transaction_type: "CustomerPayBillOnline", party_b: null, consumer_key_last4: "WXYZ", updated: 1 });
    await userEvent.click(screen.getByRole("link", { name: "API keys" }));
    await userEvent.click(await screen.findByRole("link", { name: "M-Pesa credentials" }));
    expect(await screen.findByText("••••WXYZ")).toBeInTheDocument();
  });
});
