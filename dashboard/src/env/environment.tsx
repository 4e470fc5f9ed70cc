// Which environment the dashboard shows. The choice is remembered in localStorage (only the choice:
// tokens never leave memory) and read by the API client on every request, so switching needs no reload.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import type { Environment } from "../api/client";

const STORAGE_KEY = "micropay.environment";

export function rememberedEnvironment(): Environment {
  try {
    return window.localStorage.getItem(STORAGE_KEY) === "production" ? "production" : "sandbox";
  } catch {
    return "sandbox";
  }
}

interface EnvironmentState {
  environment: Environment;
  setEnvironment: (environment: Environment) => void;
}

const EnvironmentContext = createContext<EnvironmentState | null>(null);

export function EnvironmentProvider({ children }: { children: ReactNode }) {
  const [environment, setState] = useState<Environment>(rememberedEnvironment);
  const setEnvironment = useCallback((next: Environment) => {
    setState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Storage may be disabled (private mode): the switch still works for this tab.
    }
  }, []);
  const value = useMemo(() => ({ environment, setEnvironment }), [environment, setEnvironment]);
  return <EnvironmentContext.Provider value={value}>{children}</EnvironmentContext.Provider>;
}

export function useEnvironment(): EnvironmentState {
  const state = useContext(EnvironmentContext);
  if (!state) throw new Error("useEnvironment outside EnvironmentProvider");
  return state;
}

export const ENVIRONMENT_LABEL: Record<Environment, string> = { sandbox: "Sandbox", production: "Production" };
