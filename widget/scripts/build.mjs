// Bundles the widget into three minified IIFEs, which the server serves beside each other:
//   dist/attune-preferences.js  a lazy chunk (src/ui/): "why" dialog, banner, preference center, consent platforms
//   dist/attune-surveys.js      a lazy chunk (src/surveys/): in-moment surveys
//   dist/attune.js              the core (src/index.ts), at /v1/attune.js
//   dist/texts/<lang>.json      the shipped texts of the chunks in other languages (src/texts/), fetched by
//                               the chunk that shows text, for the page's language only
// All share one mangle cache, so the private names they pass each other agree. Fails if any could run
// code from strings.
import { build } from "esbuild";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// Property names private to the widget, shortened in the bundles. Only names that never leave the bundles:
// not the wire contract, not storage, not the DOM, not window.attune's API (the SDK's options and methods
// are bundled, and only the widget calls them there).
const PRIVATE = ["element", "ask", "original", "overlay", "swapped", "ratedDown", "rated", "update",
  "personalized", "onConsent", "watch", "unwatch", "hints", "center", "whyDialog", "connection",
  "jsErrors", "signals", "measure", "lastContext", "client", "answer", "chunk", "decide", "config", "overrides",
  // the SDK's queue and client options: within the bundle, only the widget passes them
  "timeoutMs", "flushIntervalMs", "batchSize", "maxBodyBytes", "maxQueued", "persist", "gate"];
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
  define: { ATTUNE_CHECKS: "false", ATTUNE_ANYWHERE: "false" },
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

const surveysFile = join(root, "dist/attune-surveys.js");
const surveys = await build({ ...common, entryPoints: [join(root, "src/surveys/index.ts")], outfile: surveysFile,
  mangleCache: chunk.mangleCache });
check(surveysFile);

const coreFile = join(root, "dist/attune.js");
await build({
  ...common,
  entryPoints: [join(root, "src/index.ts")],
  outfile: coreFile,
  mangleCache: surveys.mangleCache,
});
check(coreFile);

mkdirSync(join(root, "dist/texts"), { recursive: true });
for (const name of readdirSync(join(root, "src/texts"))) {
  const texts = JSON.stringify(JSON.parse(readFileSync(join(root, "src/texts", name), "utf8")));
  writeFileSync(join(root, "dist/texts", name), texts);
}
