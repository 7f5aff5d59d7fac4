// The SDK client behind the widget, and the site's consent mode, which the first decide answer
// tells. Until then the widget behaves as opt-in with no storage at all (nothing read, written or
// cleared; no visitor id) unless the tag declared the mode or an earlier page of this site, with
// storage consent, remembered it. Every answer is sent as a consent receipt with the site's policy
// version, which the first decide answer tells too (receipts wait for it).

import { createClient, sendConsent } from "@attune/sdk";
import type { AttuneClient, Categories, ConsentChange, ConsentMode, ConsentSource, ConsentState, Context, Decision, PrivacyHints, TechContext } from "@attune/sdk";
import { MODES, type WidgetConfig } from "./config";

const MODE_KEY = "attune:mode"; // under the SDK's prefix, so withdrawing consent removes it too

export interface Connection {
  client(): AttuneClient;
  /** The decide request's personalization flag under the current mode and consent. */
  personalized(): boolean;
  decide(blocks: string[], context: Context): Promise<Decision[]>;
  consent: {
    get(): ConsentState & { mode: ConsentMode };
    set(change: ConsentChange): void;
  };
  /** An answer in three categories from `source`: applied, and a receipt sent (a withdrawal's before the device is cleared). */
  answer(categories: Categories, source: ConsentSource): void;
  /** The site's consent hints, once the first decide answer told them; undefined until then. */
  hints?: PrivacyHints;
  identify(traits: Context): void;
  onConsent(listener: () => void): void;
  storage: Storage | null;
  /** For the survey chunk's technical context: JS errors on the page since the core started. */
  jsErrors: number;
  /** Tracked event names and thumbs-downs (" " + block id) so far; the survey chunk reads them, then replaces push. */
  signals: string[];
  /** The context of the last decide request (page, device, referrer, language): survey targeting uses it too. */
  lastContext?: Context;
  /** The page's technical context, once the survey chunk measures it: ratings carry it too. */
  measure?: () => TechContext;
}

export function connect(config: WidgetConfig): Connection {
  let storage: Storage | null = null;
  try {
    storage = localStorage;
  } catch {
    // sandboxed iframes throw on the property itself
  }
  const remembered = read(storage, MODE_KEY) as ConsentMode;
  let known = !!config.consentMode || MODES.indexOf(remembered) >= 0;
  let mode = config.consentMode || (known ? remembered : "opt-in");
  let early: ConsentChange = {}; // the visitor's answer before the mode was known, for the real client
  let traits: Context = {};
  const listeners: (() => void)[] = [];
  const waiting: (() => void)[] = []; // receipts waiting for the policy version
  let gpcTold = false;
  let signalled: true | undefined; // the server saw Sec-GPC: the real client, once the mode is known, must know it too

  function make(real: boolean): AttuneClient {
    const made = createClient({
      endpoint: config.endpoint,
      site: config.site,
      consentMode: mode,
      timeoutMs: config.timeoutMs + 4000, // the deadline: a late answer is still for blocks not seen yet (blocks.ts)
      storage: real ? storage : null, // a guessed mode must not write, nor clear what the real one kept
      globalPrivacyControl: signalled,
    });
    made.consent.subscribe(() => {
      remember();
      if (made === client) listeners.forEach((listener) => listener());
    });
    made.identify(traits);
    return made;
  }

  let client = make(known);

  function learn(told: ConsentMode): void {
    if (MODES.indexOf(told) < 0) return;
    if (!known || told !== mode) {
      const old = client;
      mode = told;
      known = true;
      client = make(true);
      if (Object.keys(early).length) client.consent.set(early);
      old.close!(); // the SDK's client has one
    }
    remember();
  }

  // With storage consent, the next page knows the mode before its first decision.
  const remember = () => known && client.consent.get().storage && write(storage, MODE_KEY, mode);

  const personalized = () => {
    const state = client.consent.get();
    return state.personalization || (mode === "opt-in" && !state.decided);
  };

  function receipt(categories: Categories, source: ConsentSource, visitor?: string | null): void {
    const send = () => sendConsent(config, {
      visitor: visitor === undefined ? client.visitorId() : visitor, // a grant's (new) id
      categories, source, policy_version: connection.hints!.policy_version,
    });
    if (connection.hints) send();
    else waiting.push(send);
  }

  function set(change: ConsentChange): void {
    if (!known) early = { ...early, ...change };
    client.consent.set(change);
  }

  const connection: Connection = {
    client: () => client,
    personalized,
    async decide(blocks, context) {
      const asked = personalized();
      connection.lastContext = context;
      let answer = await client.decide(blocks, context);
      if (client.consent.gpc()) signalled = true;
      learn(answer.consent);
      // The answer told a mode under which this visitor is not to be profiled (GPC on an opt-out site): ask
      // again; unless the server saw the privacy signal itself, so the answer is the non-profiled one already.
      if (asked && !personalized() && !client.consent.gpc()) answer = await client.decide(blocks, context);
      connection.hints = answer.privacy!; // this server always tells
      waiting.splice(0).forEach((send) => send()); // none wait once it has told
      if (!gpcTold && (gpcTold = client.consent.gpc())) {
        const { storage: allowed, decided, ...categories } = client.consent.get(); // the three categories
        receipt(categories, "gpc", null);
      }
      return answer.decisions;
    },
    consent: {
      get: () => ({ ...client.consent.get(), mode }),
      set,
    },
    answer(categories, source) {
      const withdrawn = !categories.personalization && !categories.feedback && !categories.measurement;
      if (withdrawn) receipt(categories, source, client.visitorId(false)); // the old id, before it goes
      set(categories);
      if (!withdrawn) receipt(categories, source);
    },
    identify(more) {
      traits = { ...traits, ...more };
      client.identify(more);
    },
    onConsent: (listener) => listeners.push(listener),
    storage,
    jsErrors: 0,
    signals: [],
  };
  ["error", "unhandledrejection"].forEach((type) => addEventListener(type, () => connection.jsErrors++));
  return connection;
}

export function read(storage: Storage | null, key: string): string | null {
  try {
    return storage!.getItem(key);
  } catch {
    return null; // no storage, or blocked
  }
}

export function write(storage: Storage | null, key: string, value: string): void {
  try {
    storage!.setItem(key, value);
  } catch {
    // no storage, full or blocked: the widget works without it
  }
}
