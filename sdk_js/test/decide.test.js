// decide(): one request for all blocks, a deadline, errors that say what went wrong.
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";

import { createClient } from "../dist/attune-sdk.esm.js";
import { ENDPOINT, browser, fakeFetch, fakeStorage, settle, tick } from "./helpers.js";

let page;
beforeEach(() => (page = browser()));
afterEach(() => page.restore());

const hero = { block: "hero", decision_id: "d1", variant: "deal", content: { title: "20% off" }, propensity: 0.8,
  explain: { reason: "model", summary: "…", policy: "contextual", explored: false, rule: null, factors: [] }, feedback: "thumbs" };

function client(server, options = {}) {
  return page.own(createClient({ endpoint: ENDPOINT, site: "pk_demo", fetch: server.fetch, storage: fakeStorage(), ...options }));
}

test("one request for every block; the answer comes back as sent", async () => {
  const server = fakeFetch(() => ({ status: 200, body: { decisions: [hero], consent: "opt-out" } }));
  const attune = client(server);
  const answer = await attune.decide(["hero", "recs"], { page: "/shop", device: "mobile", returning: true });
  assert.deepEqual(answer, { decisions: [hero], consent: "opt-out" });
  assert.equal(server.calls.length, 1);
  const [call] = server.calls;
  assert.equal(call.url, `${ENDPOINT}/v1/decide`);
  assert.equal(call.init.method, "POST");
  assert.equal(call.init.credentials, "omit");
  assert.deepEqual(Object.keys(call.body).sort(), ["blocks", "consented", "context", "personalization", "site", "traits", "visitor"]);
  assert.deepEqual(call.body.blocks, ["hero", "recs"]);
  assert.deepEqual(call.body.context, { page: "/shop", device: "mobile", returning: true });
  assert.equal(call.body.personalization, true);
});

test("a server that does not answer within timeoutMs: rejected, request aborted", async () => {
  const server = fakeFetch(() => "hang");
  const attune = client(server, { timeoutMs: 300 });
  const result = attune.decide(["hero"]).then(() => "resolved", (error) => error);
  await tick(299);
  assert.equal(server.calls[0].init.signal.aborted, false);
  await tick(1);
  const error = await result;
  assert.ok(error instanceof Error);
  assert.equal(error.name, "AttuneRequestError");
  assert.equal(error.status, null);
  assert.match(error.message, /timed out after 300 ms/);
  assert.equal(server.calls[0].init.signal.aborted, true);
});

test("the default deadline is 1000 ms", async () => {
  const attune = client(fakeFetch(() => "hang"));
  let settled = false;
  const result = attune.decide(["hero"]).catch((error) => ((settled = true), error));
  await tick(999);
  assert.equal(settled, false);
  await tick(1);
  assert.equal((await result).status, null);
});

test("4xx and 5xx reject with the status and the server's detail; network failures with status null", async () => {
  const answers = [{ status: 400, body: { status_code: 400, detail: "blocks[0]: unknown block 'x'" } }, 503, new Error("offline")];
  const server = fakeFetch((call, n) => answers[n - 1]);
  const attune = client(server);
  await assert.rejects(attune.decide(["x"]), { status: 400, message: /HTTP 400: blocks\[0\]: unknown block 'x'/ });
  await assert.rejects(attune.decide(["hero"]), { status: 503 });
  await assert.rejects(attune.decide(["hero"]), { status: null, message: /failed/ });
  await settle();
  assert.equal(server.calls.length, 3, "decide is never retried: the page shows its default content");
});

test("the answer tells the site's consent mode, whatever mode the client was made with", async () => {
  const server = fakeFetch(() => ({ status: 200, body: { decisions: [], consent: "opt-in" } }));
  const attune = client(server, { consentMode: "opt-out" });
  assert.equal((await attune.decide(["hero"])).consent, "opt-in");
  assert.equal(attune.consent.get().storage, true, "the client keeps the mode it was made with");
});

test("no blocks or bad arguments: rejected at once, without a request (the server needs one block or more)", async () => {
  const server = fakeFetch();
  const attune = client(server);
  await assert.rejects(attune.decide([]), TypeError);
  await assert.rejects(attune.decide("hero"), TypeError);
  assert.equal(server.calls.length, 0);
});
