// Copies the API reference's renderer (the pinned swagger-ui-dist) and its start-up files into the
// Python package, beside the dashboard's build (ADR 0011): /schema then works with no internet.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "src", "micropay", "entrypoints", "http", "static", "api-reference");
const dist = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"]) {
  copyFileSync(join(dist, name), join(out, name === "LICENSE" ? "LICENSE.swagger-ui.txt" : name));
}
for (const name of readdirSync(join(here, "..", "api-reference"))) {
  copyFileSync(join(here, "..", "api-reference", name), join(out, name));
}
