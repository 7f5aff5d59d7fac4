// The wire types are generated from the contract: src/wire.ts must be what docs/openapi.json gives now.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { OUTPUT, wireTypes } from "../scripts/wire_types.mjs";

test("src/wire.ts is generated from docs/openapi.json (else: npm run wire-types -w sdk_js)", async () => {
  const stale = readFileSync(OUTPUT, "utf8") !== (await wireTypes());
  assert.ok(!stale, "src/wire.ts differs from what docs/openapi.json gives: run `npm run wire-types -w sdk_js`, then fix what tsc says");
});
