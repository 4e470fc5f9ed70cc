/// <reference types="vitest" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The build lands inside the Python package, which serves it at /dashboard (ADR 0011).
const OUT_DIR = "../src/micropay/entrypoints/http/static/dashboard";

export default defineConfig({
  base: "/dashboard/",
  plugins: [react()],
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    target: "es2020",
    // No inline scripts or styles: the CSP is script-src 'self'; style-src 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    proxy: { "/v1": "http://127.0.0.1:8000" },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    // The machine is shared: typing with user-event can take seconds.
    testTimeout: 20_000,
  },
});
