import { act, renderHook } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { useAction } from "./useAction";

describe("useAction", () => {
  it("names the action in flight, then clears it and answers true when the work finishes", async () => {
    const { result } = renderHook(() => useAction());
    let finish = () => {};
    const work = new Promise<void>((resolve) => {
      finish = resolve;
    });

    let done: Promise<boolean> = Promise.resolve(false);
    act(() => {
      done = result.current.run("save", () => work);
    });
    expect(result.current.busy).toBe("save");

    await act(async () => {
      finish();
      expect(await done).toBe(true);
    });
    expect(result.current.busy).toBeNull();
    expect(result.current.error).toBeNull();
  });

  it("keeps the error the work raised, described, and clears it when the next action starts", async () => {
    const { result } = renderHook(() => useAction((caught) => new Error(`described: ${String(caught)}`)));

    await act(async () => {
      expect(await result.current.run("save", () => Promise.reject(new Error("no")))).toBe(false);
    });
    expect(result.current.busy).toBeNull();
    expect(result.current.error).toEqual(new Error("described: Error: no"));

    await act(async () => {
      await result.current.run("save", () => Promise.resolve());
    });
    expect(result.current.error).toBeNull();
  });
});
