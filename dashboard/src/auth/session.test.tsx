import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { apiError, FakeApi, json, list, session } from "../test/fakeApi";
import { renderApp, signedInApi } from "../test/renderApp";

afterEach(() => {
  vi.useRealTimers();
});

describe("dashboard sessions", () => {
  it("signs in, keeps the access token in memory only, and refreshes silently before it expires", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const api = new FakeApi()
      .on("POST /v1/auth/login", () => {
        document.cookie = "micropay_csrf=csrf-after-login";
        return json(session({ access_token: "first-token" }));
      })
      .on("POST /v1/auth/refresh", () => json(session({ access_token: "second-token" })))
      .on("GET /v1/payment_intents", list([]));
    renderApp(api, "/signin");
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.type(screen.getByLabelText("Email"), "owner@example.com");
    await user.type(screen.getByLabelText("Password"), "correct horse battery");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByRole("heading", { name: "Today" })).toBeInTheDocument();
    expect(screen.getByText("Duka Ltd")).toBeInTheDocument();
    expect(api.requestsTo("POST", "/v1/auth/login")[0]?.body).toEqual({
      email: "owner@example.com",
      password: "correct horse battery",
    });
    const stored = JSON.stringify({ ...window.localStorage });
    expect(stored).not.toContain("first-token");
    await waitFor(() =>
      expect(api.requestsTo("GET", "/v1/payment_intents")[0]?.headers.get("authorization")).toBe("Bearer first-token"),
    );
    expect(api.requestsTo("POST", "/v1/auth/refresh")).toHaveLength(0);

    await act(async () => {
      vi.advanceTimersByTime((3600 - 60) * 1000);
    });
    await waitFor(() => expect(api.requestsTo("POST", "/v1/auth/refresh")).toHaveLength(1));
    expect(api.requestsTo("POST", "/v1/auth/refresh")[0]?.headers.get("x-micropay-csrf")).toBe("csrf-after-login");
    const stillStored = JSON.stringify({ ...window.localStorage });
    expect(stillStored).not.toContain("second-token");
  });

  it("restores the session after a reload from the refresh cookie", async () => {
    const api = signedInApi();
    renderApp(api, "/payments");
    expect(await screen.findByRole("heading", { name: "Payments" })).toBeInTheDocument();
    expect(api.requestsTo("POST", "/v1/auth/refresh")).toHaveLength(1);
  });

  it("without the CSRF cookie there is nothing to refresh: the sign-in page, and no request", async () => {
    const api = new FakeApi();
    renderApp(api, "/payments");
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(api.requests).toHaveLength(0);
  });

  it("signs out everywhere when the server says the refresh token was reused", async () => {
    const api = signedInApi();
    let refreshes = 0;
    api.on("POST /v1/auth/refresh", () =>
      ++refreshes === 1 ? json(session()) : apiError(401, "refresh_token_reused", "Reused", "authentication_error"),
    );
    api.on("GET /v1/payment_intents", apiError(401, "token_revoked", "Revoked", "authentication_error"));
    const otherTab = new BroadcastChannel("micropay-session");
    const heard: unknown[] = [];
    otherTab.onmessage = (message) => heard.push(message.data);
    renderApp(api, "/payments");
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("signed out everywhere");
    await waitFor(() => expect(heard).toEqual(["signed_out"]));
    otherTab.close();
  });

  it("signs out when another tab does", async () => {
    const api = signedInApi();
    renderApp(api, "/");
    expect(await screen.findByRole("heading", { name: "Today" })).toBeInTheDocument();
    const otherTab = new BroadcastChannel("micropay-session");
    otherTab.postMessage("signed_out");
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    otherTab.close();
  });

  it("sign-out ends the session on the server", async () => {
    const api = signedInApi().on("POST /v1/auth/logout", { id: "ses_1", object: "session", deleted: true });
    renderApp(api, "/");
    await userEvent.click(await screen.findByRole("button", { name: "Sign out" }));
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    const [sent] = api.requestsTo("POST", "/v1/auth/logout");
    expect(sent?.headers.get("authorization")).toBe("Bearer token-1");
  });
});
