// createClient: decisions, events, ratings, traits and consent for one site, as one object.

import { createConsent, eventGate, linked, personalizationFlag } from "./consent.js";
import { makeEvent } from "./events.js";
import { createQueue } from "./queue.js";
import { createStore, defaultStorage } from "./storage.js";
import { post, requestError } from "./transport.js";
import type { AttuneClient, ClientOptions, ConsentMode, Context, DecideAnswer, DecideRequest } from "./types.js";
import { createVisitor } from "./visitor.js";

const MODES: ConsentMode[] = ["opt-in", "opt-out", "none"];

export function createClient(options: ClientOptions): AttuneClient {
  if (ATTUNE_CHECKS && (!options || typeof options.endpoint !== "string" || typeof options.site !== "string" || !options.site)) {
    throw new TypeError("attune: createClient needs {endpoint, site}");
  }
  const endpoint = options.endpoint.replace(/\/+$/, "");
  const site = options.site;
  const mode: ConsentMode = options.consentMode || "opt-out";
  if (ATTUNE_CHECKS && MODES.indexOf(mode) < 0) throw new TypeError(`attune: consentMode must be one of ${MODES.join(", ")}`);
  const timeoutMs = options.timeoutMs || 1000;
  const fetchFn: typeof fetch = options.fetch || ((input, init) => fetch(input, init)); // unbound fetch throws
  const store = createStore(options.storage === undefined ? defaultStorage() : options.storage);
  const gpc = options.globalPrivacyControl ?? readGlobalPrivacyControl();

  const consent = createConsent({ mode, gpc, store });
  if (!consent.get().storage) store.clear(); // denied (or GPC) now: nothing from earlier visits stays
  const storageAllowed = () => consent.get().storage;
  const visitor = createVisitor(store, () => linked(consent.get()));
  // Until the visitor answers, a new visitor's id is made only after the server has answered once without
  // seeing a privacy signal (Sec-GPC), so a browser that sends the header alone never gets one.
  let heard = false;
  const queue = createQueue({
    url: `${endpoint}/v1/events`,
    site,
    fetch: fetchFn,
    store,
    batchSize: options.batchSize || 20,
    flushIntervalMs: options.flushIntervalMs || 2000,
    gate: (type) => eventGate(mode, consent.get(), type),
    persist: storageAllowed,
    visitor: () => visitor.get(),
  });
  consent.subscribe(() => queue.consentChanged()); // first subscriber: runs before the page's own
  let traits: Context = {};

  const leave = () => queue.flushBeacon();
  const removeListeners = [
    listen(!ATTUNE_ANYWHERE || typeof document !== "undefined" ? document : null, "visibilitychange", () => {
      if (document.visibilityState === "hidden") leave();
    }),
    listen(!ATTUNE_ANYWHERE || typeof window !== "undefined" ? window : null, "pagehide", leave),
  ];

  async function decide(blocks: string[], context: Context = {}): Promise<DecideAnswer> {
    if (ATTUNE_CHECKS && (!Array.isArray(blocks) || !blocks.length || blocks.some((block) => typeof block !== "string"))) {
      throw new TypeError("attune: decide needs an array of one or more block ids");
    }
    const state = consent.get();
    const request: DecideRequest = {
      site,
      visitor: heard || consent.answered() ? visitor.get() : visitor.peek(),
      context,
      traits: state.personalization ? traits : {},
      blocks,
      personalization: personalizationFlag(mode, state, consent.gpc()),
      consented: consent.answered() && state.personalization, // an explicit grant wins over Sec-GPC
    };
    const reply = await post(fetchFn, `${endpoint}/v1/decide`, JSON.stringify(request), timeoutMs);
    let parsed: { decisions?: unknown; detail?: unknown } | null = null;
    try {
      parsed = JSON.parse(reply.body);
    } catch {
      // reported below with the status
    }
    // an error status, or a 2xx without decisions (a proxy's page): the server's detail, if it told one
    if (reply.status < 200 || reply.status >= 300 || !parsed || !Array.isArray(parsed.decisions)) {
      const detail = parsed && typeof parsed.detail === "string" ? `: ${parsed.detail}` : ": no decisions";
      throw requestError(`decide failed with HTTP ${reply.status}${detail}`, reply.status);
    }
    const answer = parsed as DecideAnswer;
    if (answer.decisions.some((decision) => decision.explain && decision.explain.signal === "gpc")) consent.signal();
    else heard = true;
    return answer;
  }

  return {
    decide,
    track(event) {
      queue.push(makeEvent(event));
    },
    rate(decisionId, value, tech) {
      queue.push(makeEvent({ type: "rating", decision_id: decisionId, value, tech }));
    },
    identify(more) {
      if (ATTUNE_CHECKS && (!more || typeof more !== "object")) throw new TypeError("attune: identify needs an object of traits");
      traits = { ...traits, ...more }; // in memory only; sent with decisions while personalization is allowed
    },
    async flush(flushOptions) {
      if (flushOptions && flushOptions.beacon) queue.flushBeacon();
      else await queue.flush();
    },
    consent: {
      get: consent.get,
      set: consent.set,
      subscribe: consent.subscribe,
      gpc: consent.gpc,
      answered: consent.answered,
    },
    visitorId: (make = true) => (make ? visitor.get() : visitor.peek()),
    forget() {
      queue.clear();
      visitor.reset();
      consent.reset(); // listeners hear it: a new visitor under the site's defaults
    },
    close() {
      removeListeners.forEach((remove) => remove());
      queue.close();
    },
  };
}

function readGlobalPrivacyControl(): boolean {
  if (!ATTUNE_ANYWHERE) return (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  try {
    return typeof navigator !== "undefined" && (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  } catch {
    return false;
  }
}

/** addEventListener with every call of the handler guarded; returns the remover. */
function listen(target: EventTarget | null, type: string, handler: () => void): () => void {
  if (ATTUNE_ANYWHERE && (!target || typeof target.addEventListener !== "function")) return () => undefined;
  const guarded = () => {
    try {
      handler();
    } catch {
      // a listener must never throw into the host page
    }
  };
  target!.addEventListener(type, guarded);
  return () => target!.removeEventListener(type, guarded);
}
