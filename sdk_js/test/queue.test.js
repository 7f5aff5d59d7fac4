// The event queue through the public client: batching, retries, beacons, persistence, limits.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { createClient } from "../dist/attune-sdk.esm.js";
import { ENDPOINT, NOW, attuneKeys, browser, fakeFetch, fakeStorage, sentEvents, settle, tick } from "./helpers.js";

let page;
beforeEach(() => (page = browser()));
afterEach(() => page.restore());

const click = (n) => ({ type: "click", decision_id: `d${n}` });

function client(fetch, options = {}) {
  return page.own(createClient({ endpoint: `${ENDPOINT}/`, site: "pk_demo", fetch, storage: fakeStorage(), ...options }));
}

describe("batching", () => {
  test("sends as soon as batchSize events are queued, in one request", async () => {
    const server = fakeFetch();
    const attune = client(server.fetch, { batchSize: 3 });
    attune.track(click(1));
    attune.track(click(2));
    await settle();
    assert.equal(server.calls.length, 0);
    attune.track(click(3));
    await settle();
    assert.equal(server.calls.length, 1);
    const [call] = server.calls;
    assert.equal(call.url, `${ENDPOINT}/v1/events`);
    assert.equal(call.init.headers["Content-Type"], "text/plain;charset=UTF-8"); // no CORS preflight
    assert.equal(call.body.site, "pk_demo");
    assert.deepEqual(call.body.events.map((e) => e.decision_id), ["d1", "d2", "d3"]);
    for (const event of call.body.events) {
      assert.match(event.id, /^[A-Za-z0-9_-]{8,64}$/);
      assert.equal(event.ts, NOW);
    }
    assert.equal(new Set(call.body.events.map((e) => e.id)).size, 3);
  });

  test("sends what is queued flushIntervalMs after the first event", async () => {
    const server = fakeFetch();
    const attune = client(server.fetch, { batchSize: 20, flushIntervalMs: 2000 });
    attune.track(click(1));
    await tick(1000);
    attune.track(click(2));
    await tick(999);
    assert.equal(server.calls.length, 0);
    await tick(1);
    assert.equal(server.calls.length, 1);
    assert.equal(server.calls[0].body.events.length, 2);
    await tick(10_000);
    assert.equal(server.calls.length, 1, "nothing left to send");
  });

  test("flush() sends at once; more than 100 events go in several requests", async () => {
    const server = fakeFetch();
    const attune = client(server.fetch, { batchSize: 1000 });
    for (let i = 0; i < 250; i++) attune.track(click(i));
    await attune.flush();
    assert.deepEqual(server.calls.map((c) => c.body.events.length), [100, 100, 50]);
    assert.equal(new Set(sentEvents(server.calls).map((e) => e.id)).size, 250);
  });
});

describe("retries", () => {
  test("network failures and 5xx are retried with growing backoff, under the same event ids", async () => {
    const server = fakeFetch((call, n) => (n === 1 ? new Error("offline") : n === 2 ? 503 : 202));
    const attune = client(server.fetch);
    attune.track(click(1));
    attune.track({ type: "timing", value: 120 });
    await attune.flush();
    assert.equal(server.calls.length, 1);
    await tick(499); // first backoff: 0.5 to 1 s
    assert.equal(server.calls.length, 1);
    await tick(501);
    assert.equal(server.calls.length, 2);
    await tick(999); // second backoff: 1 to 2 s
    assert.equal(server.calls.length, 2);
    await tick(1001);
    assert.equal(server.calls.length, 3);
    const ids = server.calls.map((c) => c.body.events.map((e) => e.id).join());
    assert.equal(new Set(ids).size, 1, "every retry carries the ids of the first try");
    await tick(120_000);
    assert.equal(server.calls.length, 3, "acknowledged: not sent again");
  });

  test("429 waits at least Retry-After; 408 is retried too", async () => {
    const server = fakeFetch((call, n) => (n === 1 ? { status: 429, headers: { "Retry-After": "5" } } : n === 2 ? 408 : 202));
    const attune = client(server.fetch);
    attune.track(click(1));
    await attune.flush();
    await tick(4999);
    assert.equal(server.calls.length, 1);
    await tick(1);
    assert.equal(server.calls.length, 2);
    await tick(2000); // second backoff: 1 to 2 s
    assert.equal(server.calls.length, 3);
  });

  test("a 400 is not retried: the batch is dropped", async () => {
    const server = fakeFetch(() => ({ status: 400, body: { detail: "events[0].type: bad" } }));
    const storage = fakeStorage();
    const attune = client(server.fetch, { storage });
    attune.track(click(1));
    await attune.flush();
    await tick(300_000);
    assert.equal(server.calls.length, 1);
    assert.equal(storage.getItem("attune:queue"), null, "nothing left queued");
  });

  test("events queued while backing off wait for the retry", async () => {
    const server = fakeFetch((call, n) => (n === 1 ? 500 : 202));
    const attune = client(server.fetch, { batchSize: 2 });
    attune.track(click(1));
    attune.track(click(2));
    await settle();
    attune.track(click(3));
    attune.track(click(4)); // batchSize reached again, but the server asked us to back off
    await settle();
    assert.equal(server.calls.length, 1);
    await tick(1000);
    assert.equal(server.calls.length, 2);
    assert.deepEqual(server.calls[1].body.events.map((e) => e.decision_id), ["d1", "d2", "d3", "d4"]);
  });

  test("the queue is capped: a dead server drops the oldest events, not the page's memory", async () => {
    const server = fakeFetch(() => 503);
    const storage = fakeStorage();
    const attune = client(server.fetch, { storage, batchSize: 10_000 });
    for (let i = 0; i < 600; i++) attune.track(click(i));
    const kept = JSON.parse(storage.getItem("attune:queue")).events;
    assert.equal(kept.length, 500);
    assert.equal(kept[0].decision_id, "d100");
    assert.equal(kept[499].decision_id, "d599");
  });
});

describe("leaving the page", () => {
  test("visibilitychange to hidden hands the queue to sendBeacon as a text/plain Blob", async () => {
    const server = fakeFetch();
    const attune = client(server.fetch);
    attune.track(click(1));
    attune.rate("d1", 1);
    page.hide();
    assert.equal(page.beacons.length, 1);
    const [beacon] = page.beacons;
    assert.equal(beacon.url, `${ENDPOINT}/v1/events`);
    assert.ok(beacon.data instanceof Blob);
    assert.equal(beacon.data.type, "text/plain;charset=utf-8");
    const body = JSON.parse(await beacon.data.text());
    assert.deepEqual(body.events.map((e) => e.type), ["click", "rating"]);
    await tick(10_000);
    assert.equal(server.calls.length, 0, "beaconed events are not sent again");
  });

  test("pagehide beacons too; a refused beacon falls back to fetch with keepalive", async () => {
    page.restore();
    page = browser({ beaconAccepts: false });
    const server = fakeFetch();
    const attune = client(server.fetch);
    attune.track(click(1));
    page.window.dispatchEvent(new Event("pagehide"));
    await settle();
    assert.equal(page.beacons.length, 1);
    assert.equal(server.calls.length, 1);
    assert.equal(server.calls[0].init.keepalive, true);
    await tick(10_000);
    assert.equal(server.calls.length, 1);
  });

  test("nothing is beaconed while visible, and close() removes the listeners", async () => {
    const attune = client(fakeFetch().fetch);
    attune.track(click(1));
    page.document.dispatchEvent(new Event("visibilitychange"));
    assert.equal(page.beacons.length, 0);
    attune.close();
    page.hide();
    assert.equal(page.beacons.length, 0);
  });
});

describe("across page loads", () => {
  test("with storage consent the queue and visitor id survive a reload and are resent as they were", async () => {
    const storage = fakeStorage();
    const down = fakeFetch(() => new Error("offline"));
    const first = client(down.fetch, { storage });
    first.track(click(1));
    first.track(click(2));
    await first.flush();
    const visitor = first.visitorId();
    const ids = down.calls[0].body.events.map((e) => e.id);
    first.close(); // the page unloads

    const up = fakeFetch();
    const second = client(up.fetch, { storage, flushIntervalMs: 2000 });
    assert.equal(second.visitorId(), visitor);
    await tick(2000);
    assert.equal(up.calls.length, 1);
    assert.equal(up.calls[0].body.visitor, visitor);
    assert.deepEqual(up.calls[0].body.events.map((e) => e.id), ids);
    assert.equal(storage.getItem("attune:queue"), null, "emptied once acknowledged");
  });

  test("without storage consent nothing is written, so a reload starts empty", async () => {
    const storage = fakeStorage();
    const down = fakeFetch(() => new Error("offline"));
    const first = client(down.fetch, { storage });
    first.consent.set({ storage: false, measurement: true }); // anonymous measurement: nothing on the device
    first.track(click(1));
    await first.flush();
    assert.equal(down.calls[0].body.visitor, null);
    assert.equal(storage.writes.length, 0);
    first.close();

    const up = fakeFetch();
    client(up.fetch, { storage });
    await tick(60_000);
    assert.equal(up.calls.length, 0);
    assert.deepEqual(attuneKeys(storage), []);
  });

  test("a queue stored for another site is left alone", async () => {
    const storage = fakeStorage();
    storage.setItem("attune:queue", JSON.stringify({ site: "pk_other", events: [{ id: "abcdefgh12", type: "error", ts: 1 }] }));
    const server = fakeFetch();
    client(server.fetch, { storage });
    await tick(60_000);
    assert.equal(server.calls.length, 0);
  });

  test("broken storage (Safari private mode) never throws; events still go out", async () => {
    const server = fakeFetch();
    const attune = client(server.fetch, { storage: fakeStorage({ throws: true }) });
    assert.match(attune.visitorId(), /^[0-9a-f]{32}$/);
    attune.track(click(1));
    await attune.flush();
    assert.equal(server.calls.length, 1);
    assert.equal(server.calls[0].body.visitor, attune.visitorId(), "the id lasts for this page");
  });
});
