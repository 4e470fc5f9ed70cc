import { createContext } from "react";
import type { Micropay } from "@micropay/js";

export const MicropayContext = createContext<Micropay | null>(null);
