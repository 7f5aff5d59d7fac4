// Bundles src/index.ts (with @attune/sdk from the workspace) into one minified IIFE, dist/attune.js,
// which the server serves at /v1/attune.js. Fails if the bundle could run code from strings.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// Property names private to the widget, shortened in the bundle. Only names that never cross a
// boundary: not the wire contract, not storage, not the DOM, not the SDK's or window.attune's API.
const PRIVATE = ["element", "ask", "original", "overlay", "swapped", "ratedDown", "rated", "update",
  "personalized", "onConsent", "watch", "unwatch"];
const outfile = join(root, "dist/attune.js");

await build({
  entryPoints: [join(root, "src/index.ts")],
  outfile,
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2019",
  minify: true,
  legalComments: "none",
  charset: "utf8",
  mangleProps: new RegExp(`^(${PRIVATE.join("|")})$`),
  logLevel: "warning",
});

const bytes = readFileSync(outfile);
const code = bytes.toString("utf8");
const forbidden = [/\beval\s*\(/, /\bnew Function\b/, /\.style\s*[.=[]/, /setAttribute\(\s*["']style["']/];
const found = forbidden.filter((pattern) => pattern.test(code));
if (found.length) {
  console.error(`attune.js must not contain ${found.join(", ")} (CSP and the no-inline-style rule)`);
  process.exit(1);
}
console.log(`dist/attune.js: ${bytes.length} bytes, ${gzipSync(bytes, { level: 9 }).length} gzipped (npm run size checks the budget)`);
