import type { ReactNode } from "react";
import type { Micropay } from "@micropay/js";
import { MicropayContext } from "./context.js";

export interface MicropayProviderProps {
  /** `loadMicropay(publishableKey, {baseUrl})`; create it once, outside render, so it stays the same. */
  micropay: Micropay;
  children?: ReactNode;
}

/** Makes one Micropay handle available to `usePaymentIntent` and `useMicropay` below it. */
export function MicropayProvider({ micropay, children }: MicropayProviderProps): ReactNode {
  return <MicropayContext.Provider value={micropay}>{children}</MicropayContext.Provider>;
}
