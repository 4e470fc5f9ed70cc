import { describe, expect, it } from "vitest";
import { ApiError, createClient, csrfToken, parseSseBlock, type Environment } from "./client";
import { apiError, eventFor, FakeApi, intent, json, list, session } from "../test/fakeApi";

function setup(options: { token?: string | null; environment?: Environment; onUnauthorized?: () => Promise<boolean> } = {}) {
  const api = new FakeApi();
  const state = { token: options.token === undefined ? "tok" : options.token, environment: options.environment ?? "sandbox" };
  const client = createClient({
    token: () => state.token,
    environment: () => state.environment,
    onUnauthorized: options.onUnauthorized,
    fetch: api.fetch,
  });
  return { api, client, state };
}

describe("the API client", () => {
  it("sends the session token and the environment chosen at the time of each call", async () => {
    const { api, client, state } = setup();
    api.on("GET /v1/payment_intents", list([]));
    await client.paymentIntents.list({ status: "failed", limit: 5 });
    state.environment = "production";
    await client.paymentIntents.list();
    const [first, second] = api.requestsTo("GET", "/v1/payment_intents");
    expect(first?.headers.get("authorization")).toBe("Bearer tok");
    expect(first?.headers.get("x-micropay-env")).toBe("sandbox");
    expect(first?.query.get("status")).toBe("failed");
    expect(first?.query.get("limit")).toBe("5");
    expect(second?.headers.get("x-micropay-env")).toBe("production");
    expect(second?.query.has("status")).toBe(false);
  });

  it("gives every POST its own Idempotency-Key, and the same one when it is sent again after a refresh", async () => {
    let refreshed = 0;
    const { api, client, state } = setup({
      onUnauthorized: async () => {
        refreshed += 1;
        state.token = "tok-2";
        return true;
      },
    });
    let calls = 0;
    api.on("POST /v1/payment_intents/:id/cancel", () => (++calls === 1 ? apiError(401, "token_expired") : json(intent())));
    await client.paymentIntents.cancel("pi_a");
    await client.paymentIntents.cancel("pi_a");
    const sent = api.requestsTo("POST", "/v1/payment_intents/pi_a/cancel");
    expect(refreshed).toBe(1);
    expect(sent).toHaveLength(3);
    const keys = sent.map((r) => r.headers.get("idempotency-key"));
    expect(keys[0]).toMatch(/^dash_/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(sent[1]?.headers.get("authorization")).toBe("Bearer tok-2");
  });

  it("turns the contract's error body into an ApiError with its fields", async () => {
    const { api, client } = setup();
    api.on("POST /v1/payment_intents", () =>
      json({ error: { type: "invalid_request_error", code: "amount_invalid", message: "Bad amount", param: "amount", request_id: "req_1" } }, 400),
    );
    const error = await client.paymentIntents.create({ amount: 1, currency: "kes" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: "amount_invalid", param: "amount", requestId: "req_1", message: "Bad amount" });
  });

  it("refreshes by cookie: no token in the body, the CSRF cookie echoed in x-micropay-csrf, no bearer", async () => {
    document.cookie = "other=1";
    document.cookie = "micropay_csrf=abc%3D123";
    const { api, client } = setup();
    api.on("POST /v1/auth/refresh", session());
    await client.auth.refresh();
    const [sent] = api.requestsTo("POST", "/v1/auth/refresh");
    expect(sent?.body).toEqual({});
    expect(sent?.headers.get("x-micropay-csrf")).toBe("abc=123");
    expect(sent?.headers.has("authorization")).toBe(false);
    expect(sent?.headers.has("idempotency-key")).toBe(false);
  });

  it("reads the CSRF cookie among others, and null when it is absent", () => {
    expect(csrfToken("a=1; micropay_csrf=xyz; b=2")).toBe("xyz");
    expect(csrfToken("a=1")).toBeNull();
  });

  it("does not retry a 401 on the auth routes themselves", async () => {
    let asked = 0;
    const { api, client } = setup({ onUnauthorized: async () => (++asked, true) });
    api.on("POST /v1/auth/login", apiError(401, "invalid_credentials", "Wrong", "authentication_error"));
    await expect(client.auth.login("a@b.c", "wrongpassword")).rejects.toMatchObject({ code: "invalid_credentials" });
    expect(asked).toBe(0);
  });
});

describe("the event stream reader", () => {
  it("parses fields, skips keep-alive comments and joins multi-line data", () => {
    expect(parseSseBlock(": keep-alive")).toEqual({ id: null, event: null, data: null });
    expect(parseSseBlock("id: evt_1\nevent: payment_intent.succeeded\ndata: {\"a\":\ndata: 1}")).toEqual({
      id: "evt_1",
      event: "payment_intent.succeeded",
      data: '{"a":\n1}',
    });
  });

  it("delivers events split across chunks and resumes with Last-Event-ID", async () => {
    const { api, client } = setup();
    const first = eventFor(intent({ status: "succeeded" }));
    const second = eventFor(intent({ status: "failed" }));
    const text = `: hi\r\n\r\nid: ${first.id}\r\ndata: ${JSON.stringify(first)}\r\n\r\nid: ${second.id}\ndata: ${JSON.stringify(second)}\n\n`;
    const cut = Math.floor(text.length / 2);
    api.on("GET /v1/events/stream", () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(text.slice(0, cut)));
          controller.enqueue(new TextEncoder().encode(text.slice(cut)));
          controller.close();
        },
      });
      return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
    });
    const seen: string[] = [];
    const last = await client.streamEvents("evt_before", new AbortController().signal, (event) => seen.push(event.id));
    expect(seen).toEqual([first.id, second.id]);
    expect(last).toBe(second.id);
    const [sent] = api.requestsTo("GET", "/v1/events/stream");
    expect(sent?.headers.get("last-event-id")).toBe("evt_before");
    expect(sent?.headers.get("authorization")).toBe("Bearer tok");
  });
});
