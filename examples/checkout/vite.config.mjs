// Builds the checkout page into the Python package, where the API serves it at /examples/checkout.
// A plain object (no import of "vite"): it runs with the vite installed in sdks/js (make checkout).
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export default {
  root: here("."),
  base: "/examples/checkout/",
  // The SDK's TypeScript source, bundled in: the page needs nothing installed at run time.
  resolve: { alias: { "@micropay/js": here("../../sdks/js/packages/js/src/index.ts") } },
  build: {
    outDir: here("../../src/micropay/entrypoints/http/static/checkout"),
    emptyOutDir: true,
    // The page runs under a strict CSP (no inline scripts or styles, no data: scripts): emit files only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
  },
};
