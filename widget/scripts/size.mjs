// The size budgets, gzipped at level 9: the core dist/attune.js within 8 KB (what every page loads), and
// core plus lazy chunk (dist/attune-preferences.js: banner, preference center, "why" dialog, consent
// platforms) within 20 KB; exits 1 past either. Beside them, in the same run and the same way: the share
// of @attune/sdk, and the script-tag builds of comparable tools, read from their npm packages (pinned
// devDependencies), among them a consent manager (Klaro) and PostHog's lazily loaded surveys bundle.
import { build } from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET = 8 * 1024;
const TOTAL_BUDGET = 20 * 1024;
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const others = [
  ["GrowthBook script tag", "@growthbook/growthbook", "dist/bundles/auto.min.js"],
  ["Optimizely browser SDK", "@optimizely/optimizely-sdk", "dist/optimizely.browser.umd.min.js"],
  ["PostHog snippet build", "posthog-js", "dist/array.js"],
  ["Klaro consent manager", "klaro", "dist/klaro.js"],
  ["PostHog surveys (lazy)", "posthog-js", "dist/surveys.js"],
];

/** The package's folder: npm workspaces install into the root node_modules, else the widget's own. */
function packageDir(name) {
  for (let dir = root; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} is not installed: run npm install at the repository root`);
  }
}

const measure = (bytes) => ({ raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
const version = (dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;

const [own, lazy] = ["dist/attune.js", "dist/attune-preferences.js"].map((file) => join(root, file));
if (!existsSync(own) || !existsSync(lazy)) {
  console.error("dist/attune.js or dist/attune-preferences.js is missing: run npm run build first");
  process.exit(1);
}
const widget = measure(readFileSync(own));
const chunk = measure(readFileSync(lazy));
const total = { raw: widget.raw + chunk.raw, gzip: widget.gzip + chunk.gzip };
// What the SDK alone weighs when bundled and minified the way the widget is (its event queue, consent, transport).
const sdk = await build({
  stdin: { contents: 'import { createClient } from "@attune/sdk"; window.c = createClient;', resolveDir: root },
  bundle: true, minify: true, format: "iife", target: "es2019", write: false, logLevel: "silent",
});

const rows = [
  ["Attune widget core", "@attune/widget dist/attune.js", widget],
  ["Attune lazy chunk", "@attune/widget dist/attune-preferences.js", chunk],
  ["Attune total", "core + chunk (each gzipped)", total],
  ["  SDK createClient", `@attune/sdk@${version(packageDir("@attune/sdk"))} with its input checks`, measure(sdk.outputFiles[0].contents)],
];
for (const [label, name, path] of others) {
  const dir = packageDir(name);
  rows.push([label, `${name}@${version(dir)} ${path}`, measure(readFileSync(join(dir, path)))]);
}

const table = [["bundle", "file", "bytes", "gzip -9", "KB gz"]].concat(
  rows.map(([label, file, size]) => [label, file, String(size.raw), String(size.gzip), (size.gzip / 1024).toFixed(1)]),
);
const widths = table[0].map((_, col) => Math.max(...table.map((row) => row[col].length)));
const line = (row) => row.map((cell, col) => (col >= 2 ? cell.padStart(widths[col]) : cell.padEnd(widths[col]))).join("  ");
console.log(line(table[0]));
console.log(widths.map((width) => "-".repeat(width)).join("  "));
table.slice(1).forEach((row) => console.log(line(row)));

const verdicts = [["attune.js", widget.gzip, BUDGET], ["attune.js + attune-preferences.js", total.gzip, TOTAL_BUDGET]];
console.log("");
let over = false;
for (const [name, bytes, budget] of verdicts) {
  const verdict = `${name}: ${bytes} of ${budget} bytes gzipped`;
  if (bytes > budget) console.error(`over budget: ${verdict} (${bytes - budget} too many)`);
  else console.log(`within budget: ${verdict} (${budget - bytes} to spare)`);
  over = over || bytes > budget;
}
if (over) process.exit(1);
