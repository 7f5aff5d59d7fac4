// "Rated down" against the cases the server is tested with too (tests/contract/rated_down.json).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { isRatedDown } from "../dist/attune-sdk.esm.js";

const { cases } = JSON.parse(readFileSync(new URL("../../tests/contract/rated_down.json", import.meta.url), "utf8"));

test("the shared case file has thumbs, stars and no feedback kind in it", () => {
  assert.deepEqual([...new Set(cases.map((c) => c.feedback))].sort(), [null, "stars", "thumbs"].sort());
});

for (const { feedback, value, rated_down: expected } of cases) {
  test(`${feedback} ${value}: ${expected ? "rated down" : "not rated down"}`, () => {
    assert.equal(isRatedDown(feedback, value), expected);
  });
}
