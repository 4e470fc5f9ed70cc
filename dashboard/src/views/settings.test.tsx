import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { json, list, session } from "../test/fakeApi";
import { renderApp, signedInApi } from "../test/renderApp";

const SESSIONS = list([
  { id: "ses_this", object: "session", created: 1, last_refreshed: 2, expires_at: 9, user_agent: "Firefox", current: true },
  { id: "ses_other", object: "session", created: 1, last_refreshed: 2, expires_at: 9, user_agent: "Phone", current: false },
]);

describe("settings", () => {
  it("lets an owner add users, revoke another session and change the password", async () => {
    const api = signedInApi()
      .on("GET /v1/users", list([{ id: "usr_1", object: "user", email: "owner@example.com", role: "owner", created: 1 }]))
      .on("POST /v1/users", (request) => json({ id: "usr_2", object: "user", created: 2, ...(request.body as object) }))
      .on("GET /v1/auth/sessions", SESSIONS)
      .on("DELETE /v1/auth/sessions/:id", { id: "ses_other", deleted: true })
      .on("POST /v1/auth/password", { object: "password_change", sessions_ended: 1 });
    renderApp(api, "/settings");

    const users = await screen.findByRole("region", { name: "Users" });
    const add = within(users).getByRole("form", { name: "Add a user" });
    await userEvent.type(within(add).getByLabelText("Email"), "dev@example.com");
    await userEvent.type(within(add).getByLabelText("First password"), "a long first password");
    await userEvent.click(within(add).getByRole("button", { name: "Add user" }));
    await waitFor(() =>
      expect(api.requestsTo("POST", "/v1/users")[0]?.body).toEqual({
        email: "dev@example.com",
        role: "developer",
        password: "a long first password",
      }),
    );

    const sessions = screen.getByRole("region", { name: "Sessions" });
    expect(await within(sessions).findByText("(this browser)")).toBeInTheDocument();
    await userEvent.click(within(sessions).getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(api.requestsTo("DELETE", "/v1/auth/sessions/ses_other")).toHaveLength(1));

    const password = screen.getByRole("region", { name: "Password" });
    await userEvent.type(within(password).getByLabelText("Current password"), "old password 123");
    await userEvent.type(within(password).getByLabelText("New password"), "new password 456");
    await userEvent.click(within(password).getByRole("button", { name: "Change password" }));
    expect(await within(password).findByRole("status")).toHaveTextContent("other sessions have been signed out");
    expect(api.requestsTo("POST", "/v1/auth/password")[0]?.body).toEqual({
      current_password: "old password 123",
      new_password: "new password 456",
    });
  });

  it("shows a developer no user management", async () => {
    const api = signedInApi()
      .on("POST /v1/auth/refresh", () => json(session({ user: { id: "usr_d", email: "dev@example.com", role: "developer" } })))
      .on("GET /v1/auth/sessions", SESSIONS);
    renderApp(api, "/settings");
    expect(await screen.findByRole("region", { name: "Sessions" })).toBeInTheDocument();
    expect(screen.queryByRole("region", { name: "Users" })).not.toBeInTheDocument();
    expect(api.requestsTo("GET", "/v1/users")).toHaveLength(0);
  });
});

describe("a webhook endpoint", () => {
  it("rotates its secret (shown once) and recovers deliveries since a day", async () => {
    const endpoint = { id: "we_1", object: "webhook_endpoint", url: "https://shop.example/hooks", enabled_events: ["*"], description: null, status: "enabled", disabled_reason: null, livemode: false, created: 1 };
    const api = signedInApi()
      .on("GET /v1/webhook_endpoints/we_1", endpoint)
      .on("GET /v1/webhook_endpoints/we_1/deliveries", list([]))
      .on("POST /v1/webhook_endpoints/we_1/rotate_secret", { ...endpoint, secret: "whsec_rotated" })
      .on("POST /v1/webhook_endpoints/we_1/recover", { object: "webhook_recovery" })
      .on("POST /v1/webhook_endpoints/we_1", (request) => json({ ...endpoint, status: "disabled", disabled_reason: "manual", ...(request.body as object) }));
    renderApp(api, "/developers/webhooks/we_1");

    expect(await screen.findByRole("heading", { name: "https://shop.example/hooks" })).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Overlap" }), "Old secret stops at once");
    await userEvent.click(screen.getByRole("button", { name: "Rotate secret" }));
    expect(await screen.findByTestId("secret-value")).toHaveTextContent("whsec_rotated");
    expect(api.requestsTo("POST", "/v1/webhook_endpoints/we_1/rotate_secret")[0]?.body).toEqual({ expires_in: 0 });

    const since = screen.getByLabelText("Since");
    await userEvent.clear(since);
    await userEvent.type(since, "2026-11-30");
    await userEvent.click(screen.getByRole("button", { name: "Recover" }));
    await waitFor(() =>
      expect(api.requestsTo("POST", "/v1/webhook_endpoints/we_1/recover")[0]?.body).toEqual({
        since: new Date(2026, 10, 30).getTime() / 1000,
      }),
    );

    await userEvent.click(screen.getByRole("button", { name: "Disable" }));
    await waitFor(() => expect(api.requestsTo("POST", "/v1/webhook_endpoints/we_1")[0]?.body).toEqual({ disabled: true }));
    expect(await screen.findByRole("button", { name: "Enable" })).toBeInTheDocument();
  });
});
