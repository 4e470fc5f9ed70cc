// @vitest-environment jsdom
import { act, cleanup, render, renderHook, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadMicropay, type Micropay } from "@micropay/js";
import { MicropayProvider, useMicropay, usePaymentIntent } from "../src/index.js";
import { errorReply, FakeEventSource, FakeFetch, ID, intent, KEY, SECRET } from "../../js/test/fakes.js";

const processing = intent({ status: "processing", updated: 1764000010, version: 2 });
const succeeded = intent({ status: "succeeded", updated: 1764000020, version: 3 });

function micropayWith(fake: FakeFetch): Micropay {
  return loadMicropay(KEY, { fetch: fake.fetch, EventSource: FakeEventSource });
}

function wrapperFor(micropay: Micropay) {
  return function Wrapper({ children }: { children: ReactNode }) {
    return <MicropayProvider micropay={micropay}>{children}</MicropayProvider>;
  };
}

beforeEach(() => {
  FakeEventSource.instances = [];
});
afterEach(() => {
  cleanup();
});

describe("usePaymentIntent", () => {
  it("starts empty, then follows the intent to succeeded", async () => {
    const fake = new FakeFetch(() => ({ body: processing }));
    const { result } = renderHook(() => usePaymentIntent(ID, SECRET), { wrapper: wrapperFor(micropayWith(fake)) });
    expect(result.current).toEqual({ intent: null, status: null, error: null });

    act(() => {
      FakeEventSource.latest().open();
    });
    await waitFor(() => {
      expect(result.current.status).toBe("processing");
    });
    act(() => {
      FakeEventSource.latest().send("payment_intent.succeeded", succeeded);
    });

    expect(result.current.status).toBe("succeeded");
    expect(result.current.intent?.id).toBe(ID);
    expect(result.current.error).toBeNull();
    expect(FakeEventSource.latest().closed).toBe(true);
  });

  it("reports an error that ends the watch", async () => {
    const fake = new FakeFetch(() => errorReply(401, "authentication_error", "api_key_invalid"));
    const { result } = renderHook(() => usePaymentIntent(ID, SECRET), { wrapper: wrapperFor(micropayWith(fake)) });
    act(() => {
      FakeEventSource.latest().open();
    });
    await waitFor(() => {
      expect(result.current.error?.code).toBe("api_key_invalid");
    });
    expect(result.current.intent).toBeNull();
    expect(result.current.status).toBeNull();
  });

  it("watches nothing until both the id and the secret are known", () => {
    const fake = new FakeFetch(() => ({ body: processing }));
    const { result } = renderHook(() => usePaymentIntent(ID, null), { wrapper: wrapperFor(micropayWith(fake)) });
    expect(FakeEventSource.instances).toHaveLength(0);
    expect(result.current.status).toBeNull();
  });

  it("closes the stream on unmount", () => {
    const fake = new FakeFetch(() => ({ body: processing }));
    const { unmount } = renderHook(() => usePaymentIntent(ID, SECRET), { wrapper: wrapperFor(micropayWith(fake)) });
    const source = FakeEventSource.latest();
    unmount();
    expect(source.closed).toBe(true);
  });

  it("never shows the previous intent's state for a new id", async () => {
    const other = "pi_ZYXWVUTSRQPONMLKJIHGFEDC";
    const fake = new FakeFetch((request) =>
      request.url.pathname.endsWith(other) ? { body: intent({ id: other, status: "failed", version: 3 }) } : { body: processing },
    );
    const { result, rerender } = renderHook(({ id }) => usePaymentIntent(id, SECRET), {
      wrapper: wrapperFor(micropayWith(fake)),
      initialProps: { id: ID },
    });
    act(() => {
      FakeEventSource.latest().open();
    });
    await waitFor(() => {
      expect(result.current.status).toBe("processing");
    });
    const first = FakeEventSource.latest();

    rerender({ id: other });

    expect(first.closed).toBe(true);
    expect(result.current).toEqual({ intent: null, status: null, error: null });
    act(() => {
      FakeEventSource.latest().open();
    });
    await waitFor(() => {
      expect(result.current.intent?.id).toBe(other);
    });
    expect(result.current.status).toBe("failed");
  });
});

describe("MicropayProvider", () => {
  it("hands its Micropay to the components below it", () => {
    const micropay = micropayWith(new FakeFetch(() => ({ body: processing })));
    function Key() {
      return <p>{useMicropay().publishableKey}</p>;
    }
    render(
      <MicropayProvider micropay={micropay}>
        <Key />
      </MicropayProvider>,
    );
    expect(screen.getByText(KEY)).toBeTruthy();
  });

  it("is required: the hooks say so plainly outside it", () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined); // React logs the thrown render error
    expect(() => renderHook(() => usePaymentIntent(ID, SECRET))).toThrow(/inside <MicropayProvider>/);
  });
});
