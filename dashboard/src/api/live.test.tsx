import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { eventFor, intent, list } from "../test/fakeApi";
import { renderApp, signedInApi } from "../test/renderApp";

describe("the live event stream", () => {
  it("reconnects after the server closes it, resuming after the last event seen", async () => {
    const paid = intent({ status: "succeeded" });
    const first = eventFor(paid);
    let connections = 0;
    const api = signedInApi()
      .on("GET /v1/payment_intents", list([]))
      .on("GET /v1/events/stream", () => {
        connections += 1;
        const text = connections === 1 ? `id: ${first.id}\ndata: ${JSON.stringify(first)}\n\n` : ": keep-alive\n\n";
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(text));
            if (connections === 1) controller.close();
          },
        });
        return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
      });
    renderApp(api, "/payments");
    expect(await screen.findByRole("row", { name: /KES 1,500/ })).toBeInTheDocument();
    await waitFor(() => expect(api.requestsTo("GET", "/v1/events/stream")).toHaveLength(2), { timeout: 5000 });
    const [opened, resumed] = api.requestsTo("GET", "/v1/events/stream");
    expect(opened?.headers.has("last-event-id")).toBe(false);
    expect(resumed?.headers.get("last-event-id")).toBe(first.id);
    expect(await screen.findByText("Live")).toBeInTheDocument();
  });
});
