// Fakes for what a browser gives the SDK: fetch, localStorage, sendBeacon, document and window.
import { mock } from "node:test";

export const NOW = 1_732_000_000_000;
export const ENDPOINT = "https://attune.example";

/** localStorage over a Map; `throws` makes every call fail as in Safari private mode. */
export function fakeStorage({ throws = false } = {}) {
  const data = new Map();
  const writes = [];
  const guard = () => {
    if (throws) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
  };
  return {
    data,
    writes,
    get length() {
      guard();
      return data.size;
    },
    key: (i) => (guard(), [...data.keys()][i] ?? null),
    getItem: (k) => (guard(), data.has(k) ? data.get(k) : null),
    setItem: (k, v) => (guard(), writes.push(k), data.set(k, String(v))),
    removeItem: (k) => (guard(), data.delete(k)),
    clear: () => (guard(), data.clear()),
  };
}

/**
 * fetch that records every call and answers with `respond(call, n)`: a status number, a
 * {status, body, headers} object, an Error (network failure) or "hang" (never answers until aborted).
 */
export function fakeFetch(respond = () => 202) {
  const calls = [];
  const fetch = (url, init) => {
    const call = { url, init, body: JSON.parse(init.body) };
    calls.push(call);
    const answer = respond(call, calls.length);
    if (answer instanceof Error) return Promise.reject(new TypeError("Failed to fetch"));
    if (answer === "hang") {
      return new Promise((_, reject) => init.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
    }
    const { status, body, headers } = typeof answer === "number" ? { status: answer } : answer;
    const text = body === undefined ? (status === 202 ? '{"accepted":1,"duplicates":0}' : "{}") : JSON.stringify(body);
    return Promise.resolve(new Response(text, { status, headers }));
  };
  return { fetch, calls };
}

/** Installs document, window and navigator (with sendBeacon) on globalThis, and mock timers. */
export function browser({ beaconAccepts = true, gpc } = {}) {
  const saved = ["document", "window", "navigator"].map((k) => [k, Object.getOwnPropertyDescriptor(globalThis, k)]);
  const beacons = [];
  const document = new EventTarget();
  document.visibilityState = "visible";
  const window = new EventTarget();
  const navigator = {
    sendBeacon(url, data) {
      beacons.push({ url, data });
      return beaconAccepts;
    },
  };
  if (gpc !== undefined) navigator.globalPrivacyControl = gpc;
  for (const [k, v] of Object.entries({ document, window, navigator })) {
    Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  }
  mock.timers.enable({ apis: ["setTimeout", "Date"], now: NOW });
  const clients = [];
  return {
    beacons,
    document,
    window,
    navigator,
    hide() {
      document.visibilityState = "hidden";
      document.dispatchEvent(new Event("visibilitychange"));
    },
    /** Remember a client, to close it (timers, listeners) when the test ends. */
    own(client) {
      clients.push(client);
      return client;
    },
    restore() {
      clients.forEach((client) => client.close());
      mock.timers.reset();
      for (const [k, d] of saved) {
        if (d) Object.defineProperty(globalThis, k, d);
        else delete globalThis[k];
      }
    },
  };
}

/** Let every pending promise (fetch replies, queue runs) settle. */
export async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Advance the mock clock by `ms`, letting promises settle before and after. */
export async function tick(ms) {
  await settle();
  mock.timers.tick(ms);
  await settle();
}

export function attuneKeys(storage) {
  return [...storage.data.keys()].filter((k) => k.startsWith("attune:"));
}

export const sentEvents = (calls) => calls.filter((c) => c.url.endsWith("/v1/events")).flatMap((c) => c.body.events);
