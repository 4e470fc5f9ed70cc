import { render } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { AppRoutes, ROUTER_FUTURE } from "../App";
import { SessionProvider } from "../auth/session";
import { EnvironmentProvider } from "../env/environment";
import { FakeApi, json, list, session } from "./fakeApi";

/** A fake API with a signed-in session (refresh by cookie on load) and empty lists everywhere. */
export function signedInApi(): FakeApi {
  document.cookie = "micropay_csrf=csrf-1";
  return new FakeApi()
    .on("POST /v1/auth/refresh", () => json(session()))
    .on("GET /v1/payment_intents", list([]))
    .on("GET /v1/events", list([]))
    .on("GET /v1/api_keys", list([]))
    .on("GET /v1/webhook_endpoints", list([]));
}

export function renderApp(api: FakeApi, path = "/") {
  return render(
    <EnvironmentProvider>
      <SessionProvider fetchImpl={api.fetch}>
        <MemoryRouter initialEntries={[path]} future={ROUTER_FUTURE}>
          <AppRoutes />
        </MemoryRouter>
      </SessionProvider>
    </EnvironmentProvider>,
  );
}
