// Bundles the widget into two minified IIFEs, which the server serves beside each other:
//   dist/attune-preferences.js  the lazy chunk (src/ui/): "why" dialog, banner, preference center, consent platforms
//   dist/attune.js              the core (src/index.ts), at /v1/attune.js
// Both share one mangle cache, so the private names they pass each other agree. Fails if either could run
// code from strings.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// Property names private to the widget, shortened in the bundles. Only names that never cross a
// boundary: not the wire contract, not storage, not the DOM, not the SDK's or window.attune's API.
const PRIVATE = ["element", "ask", "original", "overlay", "swapped", "ratedDown", "rated", "update",
  "personalized", "onConsent", "watch", "unwatch", "hints", "center", "whyDialog", "connection"];
const common = {
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2019",
  minify: true,
  legalComments: "none",
  charset: "utf8",
  mangleProps: new RegExp(`^(${PRIVATE.join("|")})$`),
  logLevel: "warning",
  // the SDK from its sources, without the checks of its callers' input: the widget is its only caller here
  alias: { "@attune/sdk": join(root, "../sdk_js/src/index.ts") },
  define: { ATTUNE_CHECKS: "false" },
};

function check(file) {
  const bytes = readFileSync(file);
  const code = bytes.toString("utf8");
  const forbidden = [/\beval\s*\(/, /\bnew Function\b/, /\.style\s*[.=[]/, /setAttribute\(\s*["']style["']/];
  const found = forbidden.filter((pattern) => pattern.test(code));
  if (found.length) {
    console.error(`${file} must not contain ${found.join(", ")} (CSP and the no-inline-style rule)`);
    process.exit(1);
  }
  console.log(`${file.slice(root.length + 1)}: ${bytes.length} bytes, ${gzipSync(bytes, { level: 9 }).length} gzipped (npm run size checks the budget)`);
  return bytes;
}

const chunkFile = join(root, "dist/attune-preferences.js");
const chunk = await build({ ...common, entryPoints: [join(root, "src/ui/index.ts")], outfile: chunkFile, mangleCache: {} });
check(chunkFile);

const coreFile = join(root, "dist/attune.js");
await build({
  ...common,
  entryPoints: [join(root, "src/index.ts")],
  outfile: coreFile,
  mangleCache: chunk.mangleCache,
});
check(coreFile);
