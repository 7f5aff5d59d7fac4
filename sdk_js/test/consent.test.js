// Consent: opt-in holds everything until an answer, GPC on opt-out, subscribe, withdrawal.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { createClient } from "../dist/attune-sdk.esm.js";
import { ENDPOINT, attuneKeys, browser, fakeFetch, fakeStorage, sentEvents, settle, tick } from "./helpers.js";

let page;
beforeEach(() => (page = browser()));
afterEach(() => page.restore());

const decisions = { decisions: [{ block: "hero", decision_id: "d1", variant: "a", content: {}, propensity: 1, explain: {}, feedback: null }] };
const answer = (call) => (call.url.endsWith("/v1/decide") ? { status: 200, body: decisions } : 202);

function client(server, storage, options = {}) {
  return page.own(createClient({ endpoint: ENDPOINT, site: "pk_demo", fetch: server.fetch, storage, ...options }));
}

describe("opt-in", () => {
  test("before an answer: nothing stored, nothing sent, no visitor id; decisions on page context only", async () => {
    const server = fakeFetch(answer);
    const storage = fakeStorage();
    const attune = client(server, storage, { consentMode: "opt-in", batchSize: 1 });
    assert.deepEqual(attune.consent.get(), { storage: false, personalization: false, feedback: false, measurement: false, decided: false });
    attune.identify({ plan: "pro" });
    await attune.decide(["hero"], { page: "/", device: "mobile" });
    const decide = server.calls[0].body;
    assert.equal(decide.visitor, null);
    assert.deepEqual(decide.context, { page: "/", device: "mobile" });
    assert.deepEqual(decide.traits, {}, "traits are the visitor's: not before consent");
    assert.equal(decide.personalization, true, "not turned off by anyone: the page's context may be used");

    attune.track({ type: "impression", decision_id: "d1" });
    attune.rate("d1", 1);
    await attune.flush();
    page.hide();
    await tick(60_000);
    assert.equal(server.calls.length, 1, "only the decide call");
    assert.equal(page.beacons.length, 0);
    assert.equal(attune.visitorId(), null);
    assert.equal(storage.writes.length, 0);
  });

  test("granting sends what was held, with the new visitor id, and remembers the answer", async () => {
    const server = fakeFetch(answer);
    const storage = fakeStorage();
    const attune = client(server, storage, { consentMode: "opt-in" });
    attune.track({ type: "impression", decision_id: "d1" });
    attune.track({ type: "click", decision_id: "d1" });
    await tick(5000);
    assert.equal(server.calls.length, 0);

    attune.consent.set({ storage: true, personalization: true });
    await settle();
    assert.equal(server.calls.length, 1);
    const visitor = attune.visitorId();
    assert.match(visitor, /^[A-Za-z0-9_-]{8,128}$/);
    assert.equal(server.calls[0].body.visitor, visitor);
    assert.deepEqual(server.calls[0].body.events.map((e) => e.type), ["impression", "click"]);
    assert.equal(storage.getItem("attune:vid"), visitor);
    assert.deepEqual(JSON.parse(storage.getItem("attune:consent")), { storage: true, personalization: true, feedback: true, measurement: true, decided: true });

    attune.identify({ plan: "pro" });
    await attune.decide(["hero"]);
    const decide = server.calls.at(-1).body;
    assert.equal(decide.visitor, visitor);
    assert.deepEqual(decide.traits, { plan: "pro" });
    assert.equal(decide.personalization, true);

    const reloaded = client(fakeFetch(answer), storage, { consentMode: "opt-in" });
    assert.deepEqual(reloaded.consent.get(), { storage: true, personalization: true, feedback: true, measurement: true, decided: true });
    assert.equal(reloaded.visitorId(), visitor);
  });

  test("denying drops what was held and what follows, and writes nothing", async () => {
    const server = fakeFetch(answer);
    const storage = fakeStorage();
    const attune = client(server, storage, { consentMode: "opt-in" });
    attune.track({ type: "impression", decision_id: "d1" });
    attune.consent.set({ storage: false, personalization: false });
    attune.track({ type: "click", decision_id: "d1" });
    await attune.flush();
    page.hide();
    await tick(60_000);
    assert.equal(server.calls.length, 0);
    assert.equal(page.beacons.length, 0);
    assert.equal(storage.writes.length, 0);
    assert.deepEqual(attune.consent.get(), { storage: false, personalization: false, feedback: false, measurement: false, decided: true });
    await attune.decide(["hero"], { page: "/" });
    assert.equal(server.calls[0].body.personalization, false, "the visitor said no: the non-profiled choice");
  });
});

describe("opt-out and Global Privacy Control", () => {
  test("opt-out allows by default: a visitor id (once the server answered without a privacy signal), traits, stored queue", async () => {
    const server = fakeFetch(answer);
    const storage = fakeStorage();
    const attune = client(server, storage);
    assert.deepEqual(attune.consent.get(), { storage: true, personalization: true, feedback: true, measurement: true, decided: false });
    attune.identify({ plan: "pro" });
    await attune.decide(["hero"]);
    assert.equal(server.calls[0].body.visitor, null, "a new visitor: no id before the server has answered");
    assert.deepEqual(server.calls[0].body.traits, { plan: "pro" });
    await attune.decide(["hero"]);
    assert.match(server.calls[1].body.visitor, /^[0-9a-f]{32}$/);
    assert.equal(storage.getItem("attune:vid"), server.calls[1].body.visitor);
  });

  test("navigator.globalPrivacyControl opts the visitor out: no id, no storage, not personalized; events still anonymous", async () => {
    page.restore();
    page = browser({ gpc: true });
    const server = fakeFetch(answer);
    const storage = fakeStorage();
    const attune = client(server, storage, { batchSize: 1 });
    assert.deepEqual(attune.consent.get(), { storage: false, personalization: false, feedback: true, measurement: true, decided: true });
    attune.identify({ plan: "pro" });
    await attune.decide(["hero"], { page: "/" });
    assert.equal(server.calls[0].body.visitor, null);
    assert.equal(server.calls[0].body.personalization, false);
    assert.deepEqual(server.calls[0].body.traits, {});
    attune.track({ type: "impression", decision_id: "d1" });
    await settle();
    assert.equal(server.calls[1].body.visitor, null);
    assert.equal(sentEvents(server.calls).length, 1);
    assert.equal(storage.writes.length, 0);
  });

  test("GPC from the option; ignored on a 'none' site", () => {
    const storage = fakeStorage();
    const gpc = client(fakeFetch(), storage, { globalPrivacyControl: true });
    assert.equal(gpc.consent.get().storage, false);
    const none = client(fakeFetch(), storage, { consentMode: "none", globalPrivacyControl: true });
    assert.deepEqual(none.consent.get(), { storage: true, personalization: true, feedback: true, measurement: true, decided: true });
  });

  test("GPC wipes what an earlier visit stored without an explicit grant", () => {
    const storage = fakeStorage();
    storage.setItem("attune:vid", "0123456789abcdef");
    storage.setItem("attune:queue", "{}");
    storage.setItem("theme", "dark");
    client(fakeFetch(), storage, { globalPrivacyControl: true });
    assert.deepEqual(attuneKeys(storage), []);
    assert.equal(storage.getItem("theme"), "dark");
  });
});

describe("subscribe and withdrawal", () => {
  test("listeners hear each change until they unsubscribe; a throwing one does not stop the rest", () => {
    const attune = client(fakeFetch(), fakeStorage(), { consentMode: "opt-in" });
    const heard = [];
    attune.consent.subscribe(() => {
      throw new Error("a broken listener");
    });
    const unsubscribe = attune.consent.subscribe((state) => heard.push(state));
    attune.consent.set({ storage: true });
    assert.deepEqual(heard, [{ storage: true, personalization: false, feedback: true, measurement: true, decided: true }]);
    attune.consent.set({ storage: true }); // no change: no call
    assert.equal(heard.length, 1);
    attune.consent.set({ personalization: true });
    assert.equal(heard.length, 2);
    unsubscribe();
    attune.consent.set({ storage: false });
    assert.equal(heard.length, 2);
  });

  test("withdrawing deletes the visitor id and every attune:* key, and keeps the page's own keys", async () => {
    const server = fakeFetch(() => new Error("offline"));
    const storage = fakeStorage();
    storage.setItem("cart", "3");
    const attune = client(server, storage);
    const before = attune.visitorId();
    attune.consent.set({ storage: true, personalization: true });
    attune.track({ type: "impression", decision_id: "d1" });
    assert.deepEqual(attuneKeys(storage).sort(), ["attune:consent", "attune:queue", "attune:vid"]);

    attune.consent.set({ storage: false });
    assert.deepEqual(attuneKeys(storage), []);
    assert.equal(storage.getItem("cart"), "3");
    assert.equal(attune.visitorId(), null);
    attune.track({ type: "click", decision_id: "d1" });
    assert.deepEqual(attuneKeys(storage), [], "and nothing is written afterwards");

    attune.consent.set({ storage: true });
    assert.notEqual(attune.visitorId(), before, "a new grant gets a new id");
  });
});
