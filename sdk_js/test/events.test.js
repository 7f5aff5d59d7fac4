// Events are checked where they are made, so a bad one never gets a whole batch refused.
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";

import { createClient } from "../dist/attune-sdk.esm.js";
import { payload, splitBatches } from "../build/src/batches.js";
import { ENDPOINT, browser, fakeFetch, fakeStorage } from "./helpers.js";

let page;
beforeEach(() => (page = browser()));
afterEach(() => page.restore());

const attune = (server = fakeFetch()) =>
  page.own(createClient({ endpoint: ENDPOINT, site: "pk_demo", fetch: server.fetch, storage: fakeStorage(), batchSize: 1000 }));

test("rate() takes thumbs (-1, 1) or stars (1..5) and sends a rating event", async () => {
  const server = fakeFetch();
  const client = attune(server);
  client.rate("d1", -1);
  client.rate("d2", 5);
  for (const bad of [0, 6, 2.5, NaN, "1"]) assert.throws(() => client.rate("d1", bad), /rating/);
  await client.flush();
  assert.deepEqual(
    server.calls[0].body.events.map(({ type, decision_id, value }) => ({ type, decision_id, value })),
    [{ type: "rating", decision_id: "d1", value: -1 }, { type: "rating", decision_id: "d2", value: 5 }],
  );
});

test("track() refuses what the server would: unknown types, a click without its decision", () => {
  const client = attune();
  assert.throws(() => client.track({ type: "purchase" }), TypeError);
  assert.throws(() => client.track({ type: "click" }), /decision_id/);
  assert.throws(() => client.track({ type: "click", decision_id: "x".repeat(65) }), /decision_id/);
  assert.throws(() => client.track({ type: "timing", value: Infinity }), /finite/);
  client.track({ type: "error" });
  client.track({ type: "survey_response", value: 3 });
});

test("requests stay under the body limit: splitBatches by count and by bytes", () => {
  const envelope = { site: "pk_demo", visitor: "0123456789abcdef" };
  const events = Array.from({ length: 250 }, (_, i) => ({ id: `event-${String(i).padStart(4, "0")}`, type: "click", decision_id: "d".repeat(64), ts: 1 }));
  assert.deepEqual(splitBatches(envelope, events).map((b) => b.length), [100, 100, 50]);

  const limit = 2000;
  const batches = splitBatches(envelope, events, 100, limit);
  assert.ok(batches.length > 3);
  for (const batch of batches) assert.ok(Buffer.byteLength(payload(envelope, batch)) <= limit);
  assert.deepEqual(batches.flat(), events, "in order, none lost, none twice");
  const withoutMargin = payload(envelope, batches[0].concat(batches[1][0]));
  assert.ok(Buffer.byteLength(withoutMargin) > limit, "batches are filled, not split early");
});

test("multi-byte text is counted in bytes, not characters", () => {
  const envelope = { site: "pk_demo", visitor: null };
  const events = Array.from({ length: 40 }, (_, i) => ({ id: `event-${String(i).padStart(4, "0")}`, type: "error", decision_id: "é".repeat(60), ts: 1 }));
  for (const batch of splitBatches(envelope, events, 100, 1500)) {
    assert.ok(Buffer.byteLength(payload(envelope, batch)) <= 1500);
  }
});
