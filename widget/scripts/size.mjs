// The size budgets, gzipped at level 9: the core dist/attune.js within 8 KB (what every page loads), and
// everything a page can load within 20 KB: core, the lazy chunks (dist/attune-preferences.js: banner,
// preference center, "why" dialog, consent platforms; dist/attune-surveys.js: surveys) and the largest of
// the shipped texts (dist/texts/<lang>.json, one language a page); exits 1 past either. Beside them, in the
// same run and the same way: the share of @attune/sdk, and the script-tag builds of comparable tools, read
// from their npm packages (pinned devDependencies), among them a consent manager (Klaro), PostHog's lazily
// loaded surveys bundle and Formbricks' surveys package (@formbricks/js itself is a 1.6 KB loader that
// fetches the surveys from the Formbricks server: its script-tag surveys build is @formbricks/surveys).
import { build } from "esbuild";
import { existsSync, readdirSync, readFileSync } from "node:fs";
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
  ["Formbricks loader", "@formbricks/js", "dist/index.js"],
  ["Formbricks surveys", "@formbricks/surveys", "dist/index.umd.js"],
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

const files = ["dist/attune.js", "dist/attune-preferences.js", "dist/attune-surveys.js"].map((file) => join(root, file));
if (!files.every(existsSync)) {
  console.error(`${files.filter((file) => !existsSync(file)).join(", ")} missing: run npm run build first`);
  process.exit(1);
}
const [widget, chunk, surveys] = files.map((file) => measure(readFileSync(file)));
const languages = readdirSync(join(root, "dist/texts")).map((name) => [name, measure(readFileSync(join(root, "dist/texts", name)))]);
const [language, texts] = languages.sort((a, b) => b[1].gzip - a[1].gzip)[0];
const parts = [widget, chunk, surveys, texts];
const total = { raw: parts.reduce((sum, part) => sum + part.raw, 0), gzip: parts.reduce((sum, part) => sum + part.gzip, 0) };
// What the SDK alone weighs when bundled and minified the way the widget is (its event queue, consent, transport).
const sdk = await build({
  stdin: { contents: 'import { createClient } from "@attune/sdk"; window.c = createClient;', resolveDir: root },
  bundle: true, minify: true, format: "iife", target: "es2019", write: false, logLevel: "silent",
});

const rows = [
  ["Attune widget core", "@attune/widget dist/attune.js", widget],
  ["Attune preferences chunk", "@attune/widget dist/attune-preferences.js", chunk],
  ["Attune surveys chunk", "@attune/widget dist/attune-surveys.js", surveys],
  ["Attune texts, largest", `@attune/widget dist/texts/${language}`, texts],
  ["Attune total", "core + chunks + one language (each gzipped)", total],
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

const verdicts = [["attune.js", widget.gzip, BUDGET],
  [`attune.js + attune-preferences.js + attune-surveys.js + texts/${language}`, total.gzip, TOTAL_BUDGET]];
console.log("");
let over = false;
for (const [name, bytes, budget] of verdicts) {
  const verdict = `${name}: ${bytes} of ${budget} bytes gzipped`;
  if (bytes > budget) console.error(`over budget: ${verdict} (${bytes - budget} too many)`);
  else console.log(`within budget: ${verdict} (${budget - bytes} to spare)`);
  over = over || bytes > budget;
}
if (over) process.exit(1);
