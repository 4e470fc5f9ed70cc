import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { intent, json, list } from "../test/fakeApi";
import { renderApp, signedInApi } from "../test/renderApp";

describe("the dashboard frame", () => {
  it("navigates with links named after their views", async () => {
    renderApp(signedInApi(), "/");
    const nav = await screen.findByRole("navigation", { name: "Main" });
    for (const name of ["Overview", "Payments", "Developers", "Settings"]) {
      expect(within(nav).getByRole("link", { name })).toBeInTheDocument();
    }
    await userEvent.click(within(nav).getByRole("link", { name: "Developers" }));
    expect(await screen.findByRole("heading", { name: /API keys/ })).toBeInTheDocument();
    expect(within(nav).getByRole("link", { name: "Developers" })).toHaveAttribute("aria-current", "page");
  });

  it("switches environment without a reload: every later request says so, and the choice is remembered", async () => {
    const api = signedInApi();
    renderApp(api, "/payments");
    expect(await screen.findByText(/Sandbox: test data/)).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Create a test payment" })).toBeInTheDocument();
    const sandboxCalls = api.requestsTo("GET", "/v1/payment_intents").length;
    expect(api.requestsTo("GET", "/v1/payment_intents")[0]?.headers.get("x-micropay-env")).toBe("sandbox");

    const production = screen.getByRole("radio", { name: "Production" });
    await userEvent.click(production);

    expect(production).toBeChecked();
    expect(screen.getByText(/Production: live data and real money/)).toBeInTheDocument();
    expect(screen.queryByRole("heading", { name: "Create a test payment" })).not.toBeInTheDocument();
    await waitFor(() => expect(api.requestsTo("GET", "/v1/payment_intents").length).toBeGreaterThan(sandboxCalls));
    const last = api.requestsTo("GET", "/v1/payment_intents").at(-1);
    expect(last?.headers.get("x-micropay-env")).toBe("production");
    await waitFor(() =>
      expect(api.requestsTo("GET", "/v1/events/stream").at(-1)?.headers.get("x-micropay-env")).toBe("production"),
    );
    expect(window.localStorage.getItem("micropay.environment")).toBe("production");
    expect(api.requestsTo("POST", "/v1/auth/refresh")).toHaveLength(1); // no reload, no new session
  });

  it("never shows sandbox rows under the production banner, not even while production loads", async () => {
    let releaseProduction: () => void = () => undefined;
    const productionAnswered = new Promise<void>((resolve) => (releaseProduction = resolve));
    const api = signedInApi().on("GET /v1/payment_intents", async (request) => {
      if (request.headers.get("x-micropay-env") === "production") {
        await productionAnswered;
        return json(list([]));
      }
      return json(list([intent({ amount: 777_700 })]));
    });
    renderApp(api, "/payments");
    expect(await screen.findByRole("row", { name: /KES 7,777/ })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("radio", { name: "Production" }));
    expect(screen.queryByRole("row", { name: /KES 7,777/ })).not.toBeInTheDocument();
    releaseProduction();
    expect(await screen.findByText("No payments yet.")).toBeInTheDocument();
  });

  it("starts in the environment chosen last time", async () => {
    window.localStorage.setItem("micropay.environment", "production");
    const api = signedInApi();
    renderApp(api, "/");
    expect(await screen.findByRole("radio", { name: "Production" })).toBeChecked();
    await waitFor(() =>
      expect(api.requestsTo("GET", "/v1/payment_intents")[0]?.headers.get("x-micropay-env")).toBe("production"),
    );
  });
});
