// Dashboard sessions (contract §10): the access token lives in this module's memory only; the refresh
// token is an HttpOnly cookie the browser sends to /v1/auth/refresh with the double-submit CSRF header.
// The session is refreshed silently a minute before the access token expires, and on a reload (from the
// cookie). A refresh answered `refresh_token_reused` means the server revoked the whole session: every tab
// signs out.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ApiError, createClient, csrfToken, type Client, type Merchant, type Session, type User } from "../api/client";
import { useEnvironment } from "../env/environment";

const REFRESH_MARGIN_S = 60;
const CHANNEL = "micropay-session";

export type SessionStatus = "loading" | "signed_out" | "signed_in";

interface SessionState {
  status: SessionStatus;
  user: User | null;
  merchant: Merchant | null;
  /** Why the last sign-out happened, when it was not asked for. */
  notice: string | null;
  client: Client;
  signIn: (email: string, password: string) => Promise<void>;
  signUp: (email: string, password: string, businessName: string) => Promise<void>;
  signOut: () => Promise<void>;
  refresh: () => Promise<boolean>;
}

const SessionContext = createContext<SessionState | null>(null);

export const REUSED_NOTICE =
  "You were signed out everywhere: this session's refresh token was used twice, which can mean it was copied.";

export function SessionProvider({ children, fetchImpl }: { children: ReactNode; fetchImpl?: typeof fetch }) {
  const { environment } = useEnvironment();
  const environmentRef = useRef(environment);
  environmentRef.current = environment;
  const tokenRef = useRef<string | null>(null);
  const timerRef = useRef<ReturnType<typeof setTimeout> | null>(null);
  const inFlight = useRef<Promise<boolean> | null>(null);
  const channelRef = useRef<BroadcastChannel | null>(null);
  const [state, setState] = useState<Pick<SessionState, "status" | "user" | "merchant" | "notice">>({
    status: "loading",
    user: null,
    merchant: null,
    notice: null,
  });

  const clear = useCallback((notice: string | null) => {
    tokenRef.current = null;
    if (timerRef.current) clearTimeout(timerRef.current);
    timerRef.current = null;
    setState({ status: "signed_out", user: null, merchant: null, notice });
  }, []);

  const refreshRef = useRef<() => Promise<boolean>>(async () => false);
  const client = useMemo(
    () =>
      createClient({
        token: () => tokenRef.current,
        environment: () => environmentRef.current,
        onUnauthorized: () => refreshRef.current(),
        fetch: fetchImpl,
      }),
    [fetchImpl],
  );

  const apply = useCallback((session: Session) => {
    tokenRef.current = session.access_token;
    if (timerRef.current) clearTimeout(timerRef.current);
    const delay = Math.max(5, session.expires_in - REFRESH_MARGIN_S) * 1000;
    timerRef.current = setTimeout(() => void refreshRef.current(), delay);
    setState({ status: "signed_in", user: session.user, merchant: session.merchant, notice: null });
  }, []);

  const refresh = useCallback((): Promise<boolean> => {
    // One refresh at a time: concurrent 401s share it (a second use of the cookie would look like reuse).
    if (inFlight.current) return inFlight.current;
    const running = client.auth
      .refresh()
      .then(
        (session) => {
          // Cleared before anything renders: a request made with the new token that still fails must be
          // able to ask for another refresh rather than reuse this one's answer.
          inFlight.current = null;
          apply(session);
          return true;
        },
        (error: unknown) => {
          inFlight.current = null;
          if (error instanceof ApiError && error.code === "refresh_token_reused") {
            channelRef.current?.postMessage("signed_out");
            clear(REUSED_NOTICE);
          } else if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
            clear(null);
          } else if (tokenRef.current === null) {
            clear(null);
          }
          return false;
        },
      );
    inFlight.current = running;
    return running;
  }, [apply, clear, client]);
  refreshRef.current = refresh;

  useEffect(() => {
    // A reload keeps no token: try the refresh cookie once, silently. Without the CSRF cookie there is no
    // refresh cookie either (they are set together), so don't ask (a 401 would only litter the console).
    if (csrfToken()) void refresh();
    else clear(null);
    if (typeof BroadcastChannel === "undefined") return undefined;
    const channel = new BroadcastChannel(CHANNEL);
    channelRef.current = channel;
    channel.onmessage = (message: MessageEvent) => {
      if (message.data === "signed_out") clear(null);
    };
    return () => {
      channel.close();
      channelRef.current = null;
      if (timerRef.current) clearTimeout(timerRef.current);
    };
  }, [refresh, clear]);

  const signIn = useCallback(
    async (email: string, password: string) => apply(await client.auth.login(email, password)),
    [apply, client],
  );
  const signUp = useCallback(
    async (email: string, password: string, businessName: string) =>
      apply(await client.auth.signup(email, password, businessName)),
    [apply, client],
  );
  const signOut = useCallback(async () => {
    try {
      await client.auth.logout();
    } catch {
      // Already ended on the server (revoked elsewhere): signing out here is all that is left to do.
    }
    channelRef.current?.postMessage("signed_out");
    clear(null);
  }, [clear, client]);

  const value = useMemo(
    () => ({ ...state, client, signIn, signUp, signOut, refresh }),
    [state, client, signIn, signUp, signOut, refresh],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error("useSession outside SessionProvider");
  return state;
}

export function useClient(): Client {
  return useSession().client;
}
