// The shipped files: one global from the IIFE, nothing done at load, package exports that resolve.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";

const root = new URL("../", import.meta.url);
const read = (path) => readFileSync(new URL(path, root), "utf8");

test("the IIFE defines AttuneSDK and no other global", () => {
  const context = vm.createContext({});
  vm.runInContext(read("dist/attune-sdk.iife.js"), context);
  assert.deepEqual(Object.keys(context), ["AttuneSDK"]);
  assert.deepEqual(Object.keys(context.AttuneSDK).sort(), ["createClient", "eligibleSurveys", "isRatedDown", "privacySettings", "recordConsent", "sendConsent", "visitorRights"]);
});

test("createClient works with no window, document, navigator, localStorage, crypto or TextEncoder", async () => {
  const context = vm.createContext({ setTimeout, clearTimeout }); // a bare JS engine, as in server rendering
  vm.runInContext(read("dist/attune-sdk.iife.js"), context);
  const sent = [];
  const fetch = async (url, init) => (sent.push(JSON.parse(init.body)), { status: 202, text: async () => "{}", headers: { get: () => null } });
  const client = context.AttuneSDK.createClient({ endpoint: "https://attune.example", site: "pk_demo", fetch });
  client.track({ type: "error" });
  await client.flush();
  assert.equal(sent.length, 1);
  assert.equal(sent[0].visitor.length, 32, "the id lasts for this page");
  client.close();
});

test("package.json: side-effect free, ESM and types exported, and the files are there", () => {
  const pkg = JSON.parse(read("package.json"));
  assert.equal(pkg.name, "@attune/sdk");
  assert.equal(pkg.type, "module");
  assert.equal(pkg.sideEffects, false);
  const entry = pkg.exports["."];
  for (const path of [entry.types, entry.import, pkg.exports["./iife"]]) assert.ok(existsSync(new URL(path, root)), path);
  assert.match(read(entry.types), /export \{ createClient \}/);
});
