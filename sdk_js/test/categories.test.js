// Consent categories (personalization, feedback, measurement), the server's GPC signal, forget(), and the
// privacy calls (receipts, the visitor's rights) of src/privacy.ts.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { createClient, privacySettings, recordConsent, visitorRights } from "../dist/attune-sdk.esm.js";
import { ENDPOINT, attuneKeys, browser, fakeFetch, fakeStorage, sentEvents, settle } from "./helpers.js";

let page;
beforeEach(() => (page = browser()));
afterEach(() => page.restore());

const decision = (explain = {}) => ({ block: "hero", decision_id: "d1", variant: "a", content: {}, propensity: 1,
  explain: { reason: "model", summary: "", policy: "p", explored: false, rule: null, factors: [], ...explain }, feedback: "thumbs" });
const answering = (explain) => (call) => (call.url.endsWith("/v1/decide") ? { status: 200, body: { decisions: [decision(explain)] } } : 202);

function client(server, storage = fakeStorage(), options = {}) {
  return page.own(createClient({ endpoint: ENDPOINT, site: "pk_demo", fetch: server.fetch, storage, batchSize: 1, ...options }));
}

describe("categories", () => {
  test("measurement off: impressions and clicks are dropped, ratings still go, linked to the visitor", async () => {
    const server = fakeFetch(answering());
    const attune = client(server, fakeStorage(), { consentMode: "opt-in" });
    attune.consent.set({ personalization: true, feedback: true, measurement: false });
    attune.track({ type: "impression", decision_id: "d1" });
    attune.track({ type: "click", decision_id: "d1" });
    attune.rate("d1", -1);
    await settle();
    assert.deepEqual(sentEvents(server.calls).map((e) => e.type), ["rating"]);
    assert.equal(server.calls[0].body.visitor, attune.visitorId());
    assert.ok(attune.visitorId());
  });

  test("feedback off: ratings are dropped, measurement goes", async () => {
    const server = fakeFetch(answering());
    const attune = client(server, fakeStorage(), { consentMode: "opt-in" });
    attune.consent.set({ personalization: true, feedback: false, measurement: true });
    attune.rate("d1", 1);
    attune.track({ type: "impression", decision_id: "d1" });
    await settle();
    assert.deepEqual(sentEvents(server.calls).map((e) => e.type), ["impression"]);
  });

  test("measurement alone is anonymous: the answer is remembered, no visitor id is made or kept", async () => {
    const server = fakeFetch(answering());
    const storage = fakeStorage();
    const attune = client(server, storage);
    attune.consent.set({ personalization: true, feedback: true, measurement: true });
    const before = attune.visitorId();
    assert.equal(storage.getItem("attune:vid"), before);
    attune.consent.set({ personalization: false, feedback: false });
    assert.equal(attune.visitorId(), null);
    assert.deepEqual(attuneKeys(storage), ["attune:consent"]);
    attune.track({ type: "impression", decision_id: "d1" });
    attune.rate("d1", 1);
    await settle();
    assert.deepEqual(sentEvents(server.calls).map((e) => e.type), ["impression"]);
    assert.equal(server.calls[0].body.visitor, null);
    assert.deepEqual(attune.consent.get(), { storage: true, personalization: false, feedback: false, measurement: true, decided: true });
  });

  test("all three off is a withdrawal: nothing stored, nothing sent", async () => {
    const server = fakeFetch(answering());
    const storage = fakeStorage();
    const attune = client(server, storage);
    attune.visitorId();
    attune.consent.set({ personalization: false, feedback: false, measurement: false });
    assert.deepEqual(attuneKeys(storage), []);
    assert.equal(attune.consent.get().storage, false);
    attune.rate("d1", 1);
    attune.track({ type: "impression", decision_id: "d1" });
    await settle();
    assert.equal(server.calls.length, 0);
  });

  test("the API before categories still works: storage with personalization off keeps feedback and measurement", () => {
    const attune = client(fakeFetch(), fakeStorage(), { consentMode: "opt-in" });
    attune.consent.set({ storage: true, personalization: false });
    assert.deepEqual(attune.consent.get(), { storage: true, personalization: false, feedback: true, measurement: true, decided: true });
    attune.consent.set({ storage: false });
    assert.deepEqual(attune.consent.get(), { storage: false, personalization: false, feedback: false, measurement: false, decided: true });
  });

  test("an answer kept before the categories existed reads as all uses allowed", () => {
    const storage = fakeStorage();
    storage.setItem("attune:consent", JSON.stringify({ storage: true, personalization: false }));
    const attune = client(fakeFetch(), storage, { consentMode: "opt-in" });
    assert.deepEqual(attune.consent.get(), { storage: true, personalization: false, feedback: true, measurement: true, decided: true });
  });
});

describe("Global Privacy Control seen by the server", () => {
  test("the header alone: the first decide carries no id, and after the answer names the signal none is ever made", async () => {
    const server = fakeFetch(answering({ reason: "personalization_off", signal: "gpc" }));
    const storage = fakeStorage();
    const attune = client(server, storage);
    assert.equal(attune.consent.gpc(), false);
    await attune.decide(["hero"]);
    assert.equal(server.calls[0].body.visitor, null);
    assert.equal(attune.consent.gpc(), true);
    assert.deepEqual(attune.consent.get(), { storage: false, personalization: false, feedback: true, measurement: true, decided: true });
    await attune.decide(["hero"]);
    assert.equal(server.calls[1].body.visitor, null);
    assert.equal(server.calls[1].body.personalization, false);
    attune.track({ type: "impression", decision_id: "d1" });
    await settle();
    assert.equal(server.calls[2].body.visitor, null, "measurement stays anonymous");
    assert.equal(attune.visitorId(), null);
    assert.equal(storage.writes.length, 0);
  });

  test("an explicit grant wins over the signal, and says so to the server", async () => {
    const server = fakeFetch(answering({ signal: "gpc" }));
    const attune = client(server);
    await attune.decide(["hero"]);
    attune.consent.set({ personalization: true, feedback: true, measurement: true });
    assert.equal(attune.consent.gpc(), false);
    await attune.decide(["hero"]);
    const request = server.calls.at(-1).body;
    assert.equal(request.consented, true);
    assert.equal(request.personalization, true);
    assert.ok(request.visitor);
  });

  test("navigator.globalPrivacyControl on an opt-in site: the first decide is not personalized", async () => {
    const server = fakeFetch(answering());
    const attune = client(server, fakeStorage(), { consentMode: "opt-in", globalPrivacyControl: true });
    await attune.decide(["hero"]);
    assert.equal(server.calls[0].body.personalization, false);
    assert.equal(server.calls[0].body.consented, false);
    assert.equal(attune.consent.gpc(), true);
  });
});

test("forget(): after an erasure the device is clear and the next id is new", async () => {
  const server = fakeFetch(() => new Error("offline"));
  const storage = fakeStorage();
  const attune = client(server, storage, { consentMode: "opt-in" });
  attune.consent.set({ personalization: true, feedback: true, measurement: true });
  const before = attune.visitorId();
  attune.track({ type: "impression", decision_id: "d1" });
  const heard = [];
  attune.consent.subscribe((state) => heard.push(state.decided));
  attune.forget();
  assert.deepEqual(attuneKeys(storage), []);
  assert.deepEqual(heard, [false], "back to the site's defaults: an opt-in visitor is asked again");
  assert.equal(attune.consent.answered(), false);
  attune.consent.set({ personalization: true, feedback: true, measurement: true });
  assert.notEqual(attune.visitorId(), before);
});

describe("privacy calls", () => {
  const options = (server) => ({ endpoint: `${ENDPOINT}/`, site: "pk_demo", fetch: server.fetch });

  test("recordConsent posts the answer with the site, by keepalive, and resolves to the receipt", async () => {
    const server = fakeFetch(() => ({ status: 202, body: { receipt: "r1" } }));
    const categories = { personalization: false, feedback: false, measurement: false };
    const receipt = await recordConsent(options(server), { visitor: "v".repeat(32), categories, source: "preferences", policy_version: "3" });
    assert.equal(receipt, "r1");
    assert.equal(server.calls[0].url, `${ENDPOINT}/v1/consent`);
    assert.equal(server.calls[0].init.keepalive, true);
    assert.deepEqual(server.calls[0].body, { site: "pk_demo", visitor: "v".repeat(32), categories, source: "preferences", policy_version: "3" });
  });

  test("the visitor's rights: each call's path and body; a refusal rejects with the status and detail", async () => {
    const server = fakeFetch((call) => (call.body.visitor === "bad" ? { status: 422, body: { detail: "visitor: too short" } }
      : { status: 200, body: { interests: ["hiking"], undone: 1, deleted: {}, receipt: "e1" } }));
    const rights = visitorRights(options(server));
    assert.deepEqual(await rights.saveInterests("v1234567", ["hiking"]), ["hiking"]);
    assert.equal(await rights.undoRating("v1234567", "d1"), 1);
    await rights.exportData("v1234567");
    await rights.erase("v1234567");
    await rights.profile("v1234567");
    assert.deepEqual(server.calls.map((c) => c.url.slice(ENDPOINT.length)),
      ["/v1/visitor/interests", "/v1/visitor/ratings/undo", "/v1/visitor/export", "/v1/visitor/erase", "/v1/visitor/profile"]);
    assert.deepEqual(server.calls[1].body, { site: "pk_demo", visitor: "v1234567", decision_id: "d1" });
    const error = await rights.profile("bad").catch((e) => e);
    assert.equal(error.status, 422);
    assert.match(error.message, /visitor: too short/);
  });

  test("privacySettings reads the site's public settings", async () => {
    const calls = [];
    const fetch = async (url, init) => (calls.push([url, init]), new Response(JSON.stringify({ site: "pk_demo", banner: true }), { status: 200 }));
    assert.equal((await privacySettings({ endpoint: ENDPOINT, site: "pk_demo", fetch })).banner, true);
    assert.equal(calls[0][0], `${ENDPOINT}/v1/sites/pk_demo/privacy`);
    assert.equal(calls[0][1].credentials, "omit");
  });
});
