export { MicropayProvider } from "./MicropayProvider.js";
export type { MicropayProviderProps } from "./MicropayProvider.js";
export { useMicropay, usePaymentIntent } from "./hooks.js";
export type { PaymentIntentState } from "./hooks.js";
