import { useState, type FormEvent } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router-dom";
import { ApiError } from "../api/client";
import { useSession } from "../auth/session";
import { ErrorNote } from "../components/common";
import { useAction } from "../components/useAction";

function describe(error: unknown): Error {
  if (error instanceof ApiError && error.code === "invalid_credentials") {
    return new Error("That email and password don't match an account.");
  }
  return error instanceof Error ? error : new Error(String(error));
}

function AuthFrame({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <p className="brand-name">Micropay</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

export function SignInView() {
  const { signIn, status, notice } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { run, busy, error } = useAction(describe);
  const from = (location.state as { from?: string } | null)?.from ?? "/";

  if (status === "signed_in") return <Navigate to={from} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run("sign-in", async () => {
      await signIn(email, password);
      navigate(from, { replace: true });
    });
  };

  return (
    <AuthFrame title="Sign in">
      {notice ? (
        <p className="notice" role="alert">
          {notice}
        </p>
      ) : null}
      <form onSubmit={(event) => void submit(event)}>
        <label>
          Email
          <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorNote error={error} />
        <button type="submit" className="button-primary" disabled={busy !== null}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p>
        New to Micropay? <Link to="/signup">Create an account</Link>
      </p>
    </AuthFrame>
  );
}

export function SignUpView() {
  const { signUp, status } = useSession();
  const navigate = useNavigate();
  const [business, setBusiness] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { run, busy, error } = useAction(describe);

  if (status === "signed_in") return <Navigate to="/" replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run("sign-up", async () => {
      await signUp(email, password, business);
      navigate("/", { replace: true });
    });
  };

  return (
    <AuthFrame title="Create your account">
      <form onSubmit={(event) => void submit(event)}>
        <label>
          Business name
          <input required autoComplete="organization" value={business} onChange={(e) => setBusiness(e.target.value)} />
        </label>
        <label>
          Email
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            maxLength={256}
            aria-describedby="password-rule"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <p id="password-rule" className="hint">
          At least 10 characters.
        </p>
        <ErrorNote error={error} />
        <button type="submit" className="button-primary" disabled={busy !== null}>
          {busy ? "Creating…" : "Create account"}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </AuthFrame>
  );
}
