import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router-dom";
import type { ReactNode } from "react";
import { LiveEventsProvider } from "./api/live";
import { SessionProvider, useSession } from "./auth/session";
import { DashboardLayout } from "./components/DashboardLayout";
import { EnvironmentProvider } from "./env/environment";
import { ApiKeysView } from "./views/ApiKeys";
import { CredentialsView } from "./views/Credentials";
import { EventDetailView } from "./views/EventDetail";
import { EventsView } from "./views/Events";
import { OverviewView } from "./views/Overview";
import { PaymentDetailView } from "./views/PaymentDetail";
import { PaymentsView } from "./views/Payments";
import { SettingsView } from "./views/Settings";
import { SignInView, SignUpView } from "./views/SignIn";
import { WebhookDetailView } from "./views/WebhookDetail";
import { WebhooksView } from "./views/Webhooks";

export const BASENAME = "/dashboard";
/** Opt in to React Router v7 behaviour now (and keep its warnings out of the console). */
export const ROUTER_FUTURE = { v7_startTransition: true, v7_relativeSplatPath: true } as const;

function RequireSession({ children }: { children: ReactNode }) {
  const { status } = useSession();
  const location = useLocation();
  if (status === "loading") return <p className="loading" role="status">Loading…</p>;
  if (status === "signed_out") return <Navigate to="/signin" replace state={{ from: location.pathname }} />;
  return <>{children}</>;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/signin" element={<SignInView />} />
      <Route path="/signup" element={<SignUpView />} />
      <Route
        element={
          <RequireSession>
            <LiveEventsProvider>
              <DashboardLayout />
            </LiveEventsProvider>
          </RequireSession>
        }
      >
        <Route index element={<OverviewView />} />
        <Route path="payments" element={<PaymentsView />} />
        <Route path="payments/:id" element={<PaymentDetailView />} />
        <Route path="developers" element={<Navigate to="/developers/api-keys" replace />} />
        <Route path="developers/api-keys" element={<ApiKeysView />} />
        <Route path="developers/credentials" element={<CredentialsView />} />
        <Route path="developers/webhooks" element={<WebhooksView />} />
        <Route path="developers/webhooks/:id" element={<WebhookDetailView />} />
        <Route path="developers/events" element={<EventsView />} />
        <Route path="developers/events/:id" element={<EventDetailView />} />
        <Route path="settings" element={<SettingsView />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}

export function App() {
  return (
    <EnvironmentProvider>
      <SessionProvider>
        <BrowserRouter basename={BASENAME} future={ROUTER_FUTURE}>
          <AppRoutes />
        </BrowserRouter>
      </SessionProvider>
    </EnvironmentProvider>
  );
}
