// Copies the admin's front-end libraries from node_modules (pinned in package-lock.json) into
// server/admin/static/vendor/, which the server serves at /static/admin/vendor/: nothing from a CDN.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "static", "vendor");
const require = createRequire(import.meta.url);
const files = {
  "htmx.min.js": require.resolve("htmx.org/dist/htmx.min.js"),
  "uPlot.iife.min.js": require.resolve("uplot/dist/uPlot.iife.min.js"),
  "uPlot.min.css": require.resolve("uplot/dist/uPlot.min.css"),
};
mkdirSync(out, { recursive: true });
for (const [name, from] of Object.entries(files)) copyFileSync(from, join(out, name));
console.log(`server/admin/static/vendor: ${Object.keys(files).join(", ")}`);
