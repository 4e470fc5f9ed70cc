import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadMicropay, type MicropayError, type PaymentIntent } from "../src/index.js";
import { deferred, errorReply, FakeEventSource, FakeFetch, type Handler, ID, intent, KEY, type Reply, SECRET } from "./fakes.js";

const processing = intent({ status: "processing", updated: 1764000010, version: 2 });
const succeeded = intent({ status: "succeeded", updated: 1764000020, version: 3 });
const failed = intent({
  status: "failed",
  updated: 1764000020,
  version: 3,
  last_payment_error: { code: "insufficient_funds", message: "Insufficient funds.", mpesa_result_code: "1" },
});

const ROUTE_MISSING = errorReply(404, "invalid_request_error", "resource_missing");

interface Watch {
  seen: PaymentIntent[];
  errors: MicropayError[];
  unsubscribe: () => void;
}

function watch(fake: FakeFetch, withStream: boolean): Watch {
  const micropay = loadMicropay(KEY, {
    baseUrl: "https://pay.example.com",
    fetch: fake.fetch,
    EventSource: withStream ? FakeEventSource : null,
  });
  const seen: PaymentIntent[] = [];
  const errors: MicropayError[] = [];
  const unsubscribe = micropay.watchPaymentIntent(
    ID,
    SECRET,
    (changed) => seen.push(changed),
    (error) => errors.push(error),
  );
  return { seen, errors, unsubscribe };
}

/** Routes by path: the intent itself, /wait, /stream. */
function routes(replies: { retrieve?: Handler; wait?: Handler }): Handler {
  return (request) => {
    const path = request.url.pathname;
    if (path.endsWith("/wait") && replies.wait) return replies.wait(request);
    if (path === `/v1/payment_intents/${ID}` && replies.retrieve) return replies.retrieve(request);
    return ROUTE_MISSING;
  };
}

/** Answers from a queue, then holds the last request forever (a long-poll nobody wakes). */
function queue(...replies: Reply[]): Handler {
  return () => replies.shift() ?? new Promise<Reply>(() => undefined);
}

const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
  FakeEventSource.instances = [];
});
afterEach(() => {
  vi.useRealTimers();
});

describe("watching over the event stream", () => {
  it("opens the stream with the key and secret in the query, since EventSource sends no headers", () => {
    watch(new FakeFetch(queue()), true);
    const source = FakeEventSource.latest();
    expect(source.url.href.startsWith(`https://pay.example.com/v1/payment_intents/${ID}/stream?`)).toBe(true);
    expect(source.url.searchParams.get("key")).toBe(KEY);
    expect(source.url.searchParams.get("client_secret")).toBe(SECRET);
  });

  it("reads the current intent once the stream is open, then follows events to a terminal status", async () => {
    const fake = new FakeFetch(routes({ retrieve: () => ({ body: processing }) }));
    const watched = watch(fake, true);
    const source = FakeEventSource.latest();
    source.open();
    await settle();
    expect(watched.seen.map((seen) => seen.status)).toEqual(["processing"]);

    source.send("payment_intent.succeeded", succeeded);

    expect(watched.seen.map((seen) => seen.status)).toEqual(["processing", "succeeded"]);
    expect(source.closed).toBe(true);
    expect(fake.paths()).toEqual([`GET /v1/payment_intents/${ID}`]);
    expect(watched.errors).toEqual([]);
  });

  it("keeps watching after a failure, which a new confirmation may retry", async () => {
    const watched = watch(new FakeFetch(routes({ retrieve: () => ({ body: processing }) })), true);
    const source = FakeEventSource.latest();
    source.open();
    await settle();
    source.send("payment_intent.payment_failed", failed);
    source.send("payment_intent.processing", intent({ status: "processing", updated: 1764000030, version: 4 }));
    source.send("payment_intent.succeeded", intent({ status: "succeeded", updated: 1764000040, version: 5 }));

    expect(watched.seen.map((seen) => seen.status)).toEqual(["processing", "failed", "processing", "succeeded"]);
    expect(source.closed).toBe(true);
  });

  it("never goes back to an older state (a replayed or raced event)", async () => {
    const watched = watch(new FakeFetch(routes({ retrieve: () => ({ body: failed }) })), true);
    const source = FakeEventSource.latest();
    source.open();
    await settle();
    source.send("payment_intent.processing", processing);
    source.send("payment_intent.created", intent({ version: 1 }));

    expect(watched.seen.map((seen) => seen.status)).toEqual(["failed"]);
  });

  it("orders by updated and status when the server sends no version", async () => {
    const unversioned = (status: PaymentIntent["status"], updated: number) => intent({ status, updated });
    const watched = watch(new FakeFetch(routes({ retrieve: () => ({ body: unversioned("processing", 10) }) })), true);
    const source = FakeEventSource.latest();
    source.open();
    await settle();
    source.send("payment_intent.created", unversioned("requires_payment_method", 5));
    source.send("payment_intent.processing", unversioned("processing", 10));
    source.send("payment_intent.payment_failed", unversioned("failed", 10));

    expect(watched.seen.map((seen) => seen.status)).toEqual(["processing", "failed"]);
  });

  it("drops a catch-up read that an event overtook", async () => {
    const held = deferred<Reply>();
    const watched = watch(new FakeFetch(routes({ retrieve: () => held.promise })), true);
    const source = FakeEventSource.latest();
    source.open();
    source.send("payment_intent.payment_failed", intent({ status: "failed", updated: 1764000020 }));
    held.resolve({ body: intent({ status: "processing", updated: 1764000020 }) });
    await settle();

    expect(watched.seen.map((seen) => seen.status)).toEqual(["failed"]);
  });

  it("ignores events that are not JSON or not about a payment intent", async () => {
    const watched = watch(new FakeFetch(routes({ retrieve: () => ({ body: processing }) })), true);
    const source = FakeEventSource.latest();
    source.open();
    await settle();
    source.sendRaw("payment_intent.succeeded", "not json");
    source.sendRaw("payment_intent.succeeded", JSON.stringify({ data: { object: { object: "charge", id: ID } } }));
    source.send("payment_intent.succeeded", intent({ id: "pi_someoneelsesintentxxxxx", status: "succeeded", version: 9 }));

    expect(watched.seen.map((seen) => seen.status)).toEqual(["processing"]);
    expect(source.closed).toBe(false);
  });

  it("lets the browser reconnect a dropped stream, and reads the intent again when it is back", async () => {
    const fake = new FakeFetch(
      routes({ retrieve: queue({ body: intent({ version: 1 }) }, { body: processing }) }),
    );
    const watched = watch(fake, true);
    const source = FakeEventSource.latest();
    source.open();
    await settle();
    source.drop();
    await settle();
    expect(FakeEventSource.instances).toHaveLength(1);
    expect(source.closed).toBe(false);
    source.open();
    await settle();

    expect(watched.seen.map((seen) => seen.status)).toEqual(["requires_payment_method", "processing"]);
    expect(fake.paths().filter((path) => path.endsWith("/wait"))).toEqual([]);
  });

  it("ends the watch with onError when the key or secret is refused", async () => {
    const fake = new FakeFetch(routes({ retrieve: () => errorReply(401, "authentication_error", "api_key_invalid") }));
    const watched = watch(fake, true);
    const source = FakeEventSource.latest();
    source.open();
    await settle();

    expect(watched.errors.map((error) => error.code)).toEqual(["api_key_invalid"]);
    expect(source.closed).toBe(true);
  });
});

describe("falling back to long-polling wait", () => {
  it("long-polls wait when a stream that was open is refused on reconnection", async () => {
    const fake = new FakeFetch(routes({ retrieve: () => ({ body: processing }), wait: queue({ body: succeeded }) }));
    const watched = watch(fake, true);
    const source = FakeEventSource.latest();
    source.open();
    await settle();
    source.refuse();
    await settle();

    expect(watched.seen.map((seen) => seen.status)).toEqual(["processing", "succeeded"]);
    expect(fake.paths().filter((path) => path.endsWith("/wait"))).toHaveLength(1);
  });


  it("long-polls wait when the server refuses the stream", async () => {
    const fake = new FakeFetch(routes({ retrieve: () => ({ body: processing }), wait: queue({ body: succeeded }) }));
    const watched = watch(fake, true);
    FakeEventSource.latest().refuse();
    await settle();

    expect(watched.seen.map((seen) => seen.status)).toEqual(["processing", "succeeded"]);
    const wait = fake.requests.find((request) => request.url.pathname.endsWith("/wait"));
    expect(wait?.url.pathname).toBe(`/v1/payment_intents/${ID}/wait`);
    expect(Object.fromEntries(wait?.url.searchParams ?? [])).toEqual({
      client_secret: SECRET,
      until: "change",
      version: "2",
      timeout: "25",
    });
    expect(wait?.headers.Authorization).toBe(`Bearer ${KEY}`);
    expect(FakeEventSource.latest().closed).toBe(true);
  });

  it("long-polls wait at once when there is no EventSource", async () => {
    const fake = new FakeFetch(routes({ retrieve: () => ({ body: processing }), wait: queue() }));
    watch(fake, false);
    await settle();
    expect(FakeEventSource.instances).toHaveLength(0);
    expect(fake.paths()).toEqual([`GET /v1/payment_intents/${ID}`, `GET /v1/payment_intents/${ID}/wait`]);
  });

  it("asks again at once after a wait timed out, with the version it has", async () => {
    const timedOut: Reply = { body: processing, headers: { "Micropay-Wait": "timeout" } };
    const fake = new FakeFetch(routes({ retrieve: () => ({ body: processing }), wait: queue(timedOut, timedOut) }));
    const watched = watch(fake, false);
    await settle();

    const waits = fake.requests.filter((request) => request.url.pathname.endsWith("/wait"));
    expect(waits).toHaveLength(3);
    expect(waits.map((request) => request.url.searchParams.get("version"))).toEqual(["2", "2", "2"]);
    expect(watched.seen).toHaveLength(1);
  });

  it("never spins on a server that answers wait at once without a change", async () => {
    const fake = new FakeFetch(routes({ retrieve: () => ({ body: processing }), wait: () => ({ body: processing }) }));
    watch(fake, false);
    await settle();
    const waits = () => fake.requests.filter((request) => request.url.pathname.endsWith("/wait")).length;
    expect(waits()).toBe(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(waits()).toBe(2);
  });

  it("retries wait after a server error, with backoff and without reporting it", async () => {
    const fake = new FakeFetch(
      routes({
        retrieve: () => ({ body: processing }),
        wait: queue(errorReply(503, "provider_error", "provider_unavailable"), { body: succeeded }),
      }),
    );
    const watched = watch(fake, false);
    await settle();
    expect(watched.seen.map((seen) => seen.status)).toEqual(["processing"]);
    await vi.advanceTimersByTimeAsync(2000);

    expect(watched.seen.map((seen) => seen.status)).toEqual(["processing", "succeeded"]);
    expect(watched.errors).toEqual([]);
  });

  it("unsubscribing aborts the held wait and nothing is delivered after", async () => {
    const held = deferred<Reply>();
    const fake = new FakeFetch(routes({ retrieve: () => ({ body: processing }), wait: () => held.promise }));
    const watched = watch(fake, false);
    await settle();
    const wait = fake.requests.at(-1);

    watched.unsubscribe();
    held.resolve({ body: succeeded });
    await vi.advanceTimersByTimeAsync(60_000);

    expect(wait?.signal?.aborted).toBe(true);
    expect(watched.seen.map((seen) => seen.status)).toEqual(["processing"]);
    expect(fake.requests).toHaveLength(2);
  });

  it("stops without asking when the intent is already terminal", async () => {
    const fake = new FakeFetch(routes({ retrieve: () => ({ body: succeeded }), wait: queue() }));
    const watched = watch(fake, false);
    await settle();
    expect(watched.seen.map((seen) => seen.status)).toEqual(["succeeded"]);
    expect(fake.paths()).toEqual([`GET /v1/payment_intents/${ID}`]);
  });
});

describe("the last resort: polling retrieve when neither stream nor wait exists", () => {
  it("reads the intent every 2 s when stream and wait both answer 404", async () => {
    const fake = new FakeFetch(routes({ retrieve: queue({ body: processing }, { body: processing }, { body: succeeded }) }));
    const watched = watch(fake, true);
    FakeEventSource.latest().refuse();
    await settle();
    expect(fake.paths()).toEqual([`GET /v1/payment_intents/${ID}`, `GET /v1/payment_intents/${ID}/wait`]);

    await vi.advanceTimersByTimeAsync(1999);
    expect(fake.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.requests).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(2000);

    expect(watched.seen.map((seen) => seen.status)).toEqual(["processing", "succeeded"]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.requests).toHaveLength(4);
  });

  it("reports an intent that does not exist instead of polling it", async () => {
    const fake = new FakeFetch(routes({ retrieve: () => errorReply(404, "invalid_request_error", "resource_missing") }));
    const watched = watch(fake, false);
    await settle();
    await vi.advanceTimersByTimeAsync(10_000);

    expect(watched.errors.map((error) => error.code)).toEqual(["resource_missing"]);
    expect(fake.requests).toHaveLength(1);
  });

  it("stops polling when unsubscribed", async () => {
    const fake = new FakeFetch(routes({ retrieve: () => ({ body: processing }) }));
    const watched = watch(fake, false);
    await settle();
    await vi.advanceTimersByTimeAsync(2000);
    const count = fake.requests.length;
    watched.unsubscribe();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fake.requests).toHaveLength(count);
  });
});
