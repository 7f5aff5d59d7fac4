// Builds dist/attune-sdk.esm.js and the minified dist/attune-sdk.iife.js (global AttuneSDK) and
// prints their gzipped sizes. With --internals, also transpiles src/ file by file into build/src/
// so the tests can reach modules that are not exported (batch splitting).
import { build } from "esbuild";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const define = { ATTUNE_CHECKS: "true", ATTUNE_ANYWHERE: "true" }; // the SDK checks its callers' input (src/checks.ts)
const common = { entryPoints: [join(root, "src/index.ts")], bundle: true, target: "es2019", logLevel: "warning", define };

if (process.argv.includes("--internals")) {
  const src = join(root, "src");
  rmSync(join(root, "build/src"), { recursive: true, force: true });
  await build({
    entryPoints: readdirSync(src).filter((f) => f.endsWith(".ts")).map((f) => join(src, f)),
    outdir: join(root, "build/src"),
    format: "esm",
    target: "es2019",
    logLevel: "warning",
    define,
  });
} else {
  rmSync(join(root, "dist"), { recursive: true, force: true });
  await build({ ...common, format: "esm", outfile: join(root, "dist/attune-sdk.esm.js") });
  await build({ ...common, format: "iife", globalName: "AttuneSDK", minify: true, outfile: join(root, "dist/attune-sdk.iife.js") });
  for (const name of ["attune-sdk.esm.js", "attune-sdk.iife.js"]) {
    const bytes = readFileSync(join(root, "dist", name));
    console.log(`${name}: ${bytes.length} bytes, ${gzipSync(bytes, { level: 9 }).length} gzipped`);
  }
}
