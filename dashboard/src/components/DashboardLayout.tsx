// The frame around every signed-in view: who and which environment, the environment switch, navigation.
import { NavLink, Outlet, useNavigate } from "react-router-dom";
import { useEffect } from "react";
import { useSession } from "../auth/session";
import { ENVIRONMENT_LABEL, useEnvironment } from "../env/environment";
import type { Environment } from "../api/client";

const VIEWS = [
  { to: "/", label: "Overview", end: true },
  { to: "/payments", label: "Payments", end: false },
  { to: "/developers", label: "Developers", end: false },
  { to: "/settings", label: "Settings", end: false },
];

export function EnvironmentSwitch() {
  const { environment, setEnvironment } = useEnvironment();
  return (
    <fieldset className="env-switch">
      <legend>Environment</legend>
      {(["sandbox", "production"] as Environment[]).map((option) => (
        <label key={option} className={`env-option env-option-${option}`}>
          <input
            type="radio"
            name="environment"
            value={option}
            checked={environment === option}
            onChange={() => setEnvironment(option)}
          />
          {ENVIRONMENT_LABEL[option]}
        </label>
      ))}
    </fieldset>
  );
}

export function DashboardLayout() {
  const { user, merchant, signOut } = useSession();
  const { environment } = useEnvironment();
  const navigate = useNavigate();

  useEffect(() => {
    document.body.dataset.environment = environment;
  }, [environment]);

  return (
    <div className={`shell env-${environment}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="brand-name">Micropay</span>
          <span className="merchant-name">{merchant?.name}</span>
        </div>
        <EnvironmentSwitch />
        <div className="who">
          <span className="user-email">{user?.email}</span>
          <button
            type="button"
            className="button-quiet"
            onClick={() => void signOut().then(() => navigate("/signin"))}
          >
            Sign out
          </button>
        </div>
      </header>
      <p className={`env-banner env-banner-${environment}`} data-testid="environment-banner">
        {environment === "production"
          ? "Production: live data and real money"
          : "Sandbox: test data, no real money moves"}
      </p>
      <nav aria-label="Main" className="mainnav">
        {VIEWS.map((view) => (
          <NavLink key={view.to} to={view.to} end={view.end}>
            {view.label}
          </NavLink>
        ))}
      </nav>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

export function DevelopersNav() {
  return (
    <nav aria-label="Developers" className="subnav">
      <NavLink to="/developers/api-keys">API keys</NavLink>
      <NavLink to="/developers/credentials">M-Pesa credentials</NavLink>
      <NavLink to="/developers/webhooks">Webhooks</NavLink>
      <NavLink to="/developers/events">Events</NavLink>
    </nav>
  );
}
