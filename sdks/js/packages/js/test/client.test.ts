import { describe, expect, it } from "vitest";
import {
  ApiError,
  AuthenticationError,
  ConnectionError,
  IntegrationError,
  InvalidRequestError,
  loadMicropay,
  MicropayError,
  PermissionError,
  ProviderError,
} from "../src/index.js";
import { errorReply, FakeFetch, ID, intent, KEY, SECRET } from "./fakes.js";

function client(fake: FakeFetch, baseUrl = "https://pay.example.com/") {
  return loadMicropay(KEY, { baseUrl, fetch: fake.fetch, EventSource: null });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("loadMicropay", () => {
  it("refuses a secret key: it must never reach a browser", () => {
    expect(() => loadMicropay("sk_test_0123456789abcdefghijABCDEFGHIJ01")).toThrow(IntegrationError);
    expect(() => loadMicropay("sk_test_0123456789abcdefghijABCDEFGHIJ01")).toThrow(/secret key/);
  });

  it.each(["", "pk_", "pk_prod_abc", "pk_test_not base62", "key"])("refuses %j as a publishable key", (key) => {
    expect(() => loadMicropay(key)).toThrow(IntegrationError);
  });

  it("keeps the publishable key it was given", () => {
    expect(loadMicropay(KEY).publishableKey).toBe(KEY);
  });
});

describe("retrievePaymentIntent", () => {
  it("reads the intent with the publishable key and its client secret", async () => {
    const fake = new FakeFetch(() => ({ body: intent({ status: "processing" }) }));

    const read = await client(fake).retrievePaymentIntent(ID, SECRET);

    expect(read.status).toBe("processing");
    const [request] = fake.requests;
    expect(request?.method).toBe("GET");
    expect(request?.url.origin).toBe("https://pay.example.com");
    expect(request?.url.pathname).toBe(`/v1/payment_intents/${ID}`);
    expect(request?.url.searchParams.get("client_secret")).toBe(SECRET);
    expect(request?.headers.Authorization).toBe(`Bearer ${KEY}`);
  });

  it("uses the page's own origin when no baseUrl is given", async () => {
    const fake = new FakeFetch(() => ({ body: intent() }));
    await loadMicropay(KEY, { fetch: fake.fetch }).retrievePaymentIntent(ID, SECRET);
    expect(fake.requests[0]?.url.href).toBe(
      `http://checkout.test/v1/payment_intents/${ID}?client_secret=${encodeURIComponent(SECRET)}`,
    );
  });

  it("escapes the id into the path", async () => {
    const fake = new FakeFetch(() => ({ body: intent() }));
    await client(fake).retrievePaymentIntent("pi_x/../../v1/api_keys", SECRET);
    expect(fake.requests[0]?.url.pathname).toBe("/v1/payment_intents/pi_x%2F..%2F..%2Fv1%2Fapi_keys");
  });

  it("refuses an empty client secret before sending anything", async () => {
    const fake = new FakeFetch(() => ({ body: intent() }));
    await expect(client(fake).retrievePaymentIntent(ID, "")).rejects.toThrow(IntegrationError);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("confirmPaymentIntent", () => {
  it("posts the client secret and phone number as JSON", async () => {
    const fake = new FakeFetch(() => ({ body: intent({ status: "processing" }) }));

    const confirmed = await client(fake).confirmPaymentIntent(ID, { clientSecret: SECRET, phoneNumber: "0708374149" });

    expect(confirmed.status).toBe("processing");
    const [request] = fake.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url.pathname).toBe(`/v1/payment_intents/${ID}/confirm`);
    expect(request?.url.search).toBe("");
    expect(request?.headers["Content-Type"]).toBe("application/json");
    expect(request?.body).toEqual({ client_secret: SECRET, phone_number: "0708374149" });
  });

  it("sends no phone number when none is given (the intent has one)", async () => {
    const fake = new FakeFetch(() => ({ body: intent({ status: "processing" }) }));
    await client(fake).confirmPaymentIntent(ID, { clientSecret: SECRET });
    expect(fake.requests[0]?.body).toEqual({ client_secret: SECRET });
  });
});

describe("watchPaymentIntent", () => {
  it("refuses a missing id or secret at once, before opening anything", () => {
    const fake = new FakeFetch(() => ({ body: intent() }));
    const micropay = client(fake);
    expect(() => micropay.watchPaymentIntent(ID, "", () => undefined)).toThrow(IntegrationError);
    expect(() => micropay.watchPaymentIntent("", SECRET, () => undefined)).toThrow(IntegrationError);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("errors", () => {
  it("carry the contract's type, code, param, request id and status", async () => {
    const fake = new FakeFetch(() =>
      errorReply(400, "invalid_request_error", "phone_number_invalid", { param: "phone_number", request_id: "req_42" }),
    );

    const error = await failure(client(fake).confirmPaymentIntent(ID, { clientSecret: SECRET, phoneNumber: "12" }));

    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toBeInstanceOf(MicropayError);
    expect(error).toMatchObject({
      type: "invalid_request_error",
      code: "phone_number_invalid",
      param: "phone_number",
      requestId: "req_42",
      statusCode: 400,
      message: "phone_number_invalid happened",
      name: "InvalidRequestError",
    });
  });

  it.each([
    [401, "authentication_error", "api_key_invalid", AuthenticationError],
    [403, "permission_error", "publishable_key_forbidden", PermissionError],
    [503, "provider_error", "provider_unavailable", ProviderError],
    [502, "provider_error", "provider_configuration_error", ProviderError],
  ] as const)("HTTP %i %s is a %s", async (status, type, code, kind) => {
    const fake = new FakeFetch(() => errorReply(status, type, code));
    const error = await failure(client(fake).retrievePaymentIntent(ID, SECRET));
    expect(error).toBeInstanceOf(kind);
    expect(error).toMatchObject({ code, statusCode: status, param: null });
  });

  it("keeps an unknown type as a plain MicropayError", async () => {
    const fake = new FakeFetch(() => errorReply(418, "teapot_error", "short_and_stout"));
    const error = await failure(client(fake).retrievePaymentIntent(ID, SECRET));
    expect(error).toBeInstanceOf(MicropayError);
    expect(error).not.toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ type: "teapot_error", code: "short_and_stout" });
  });

  it("take the request id from the Request-Id header when the body has none", async () => {
    const fake = new FakeFetch(() => ({
      status: 404,
      body: { error: { type: "invalid_request_error", code: "resource_missing", message: "No such intent." } },
      headers: { "Request-Id": "req_from_header" },
    }));
    const error = await failure(client(fake).retrievePaymentIntent(ID, SECRET));
    expect(error).toMatchObject({ code: "resource_missing", requestId: "req_from_header" });
  });

  it("turn a body that is not a Micropay answer into an ApiError", async () => {
    const fake = new FakeFetch(() => ({ status: 502, raw: "<html>Bad gateway</html>", headers: { "Content-Type": "text/html" } }));
    const error = await failure(client(fake).retrievePaymentIntent(ID, SECRET));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: "unexpected_response", statusCode: 502, requestId: "req_header" });
  });

  it("turn an unreachable server into a ConnectionError without a status", async () => {
    const error = await failure(
      loadMicropay(KEY, {
        fetch: () => Promise.reject(new TypeError("Failed to fetch")),
        EventSource: null,
      }).retrievePaymentIntent(ID, SECRET),
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ type: "connection_error", statusCode: null });
    expect((error as Error).message).toContain("Failed to fetch");
  });
});
