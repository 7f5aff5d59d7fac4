// The SDK client behind the widget, and the site's consent mode, which the first decide answer
// tells. Until then the widget behaves as opt-in with no storage at all (nothing read, written or
// cleared; no visitor id) unless the tag declared the mode or an earlier page of this site, with
// storage consent, remembered it.

import { createClient } from "@attune/sdk";
import type { AttuneClient, ConsentMode, ConsentState, Context, Decision } from "@attune/sdk";
import { MODES, type WidgetConfig } from "./config";

type ConsentChange = Partial<Pick<ConsentState, "storage" | "personalization">>;

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
  identify(traits: Context): void;
  onConsent(listener: () => void): void;
  storage: Storage | null;
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

  function make(real: boolean): AttuneClient {
    const made = createClient({
      endpoint: config.endpoint,
      site: config.site,
      consentMode: mode,
      timeoutMs: config.timeoutMs,
      storage: real ? storage : null, // a guessed mode must not write, nor clear what the real one kept
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
      if (old.close) old.close();
    }
    remember();
  }

  // With storage consent, the next page knows the mode before its first decision.
  const remember = () => known && client.consent.get().storage && write(storage, MODE_KEY, mode);

  const personalized = () => {
    const state = client.consent.get();
    return state.personalization || (mode === "opt-in" && !state.decided);
  };

  return {
    client: () => client,
    personalized,
    async decide(blocks, context) {
      const asked = personalized();
      const answer = await client.decide(blocks, context);
      learn(answer.consent);
      // The answer told a mode under which this visitor is not to be profiled (GPC on an opt-out site): ask again.
      return (asked && !personalized() ? await client.decide(blocks, context) : answer).decisions;
    },
    consent: {
      get: () => ({ ...client.consent.get(), mode }),
      set(change) {
        if (!known) early = { ...early, ...change };
        client.consent.set(change);
      },
    },
    identify(more) {
      traits = { ...traits, ...more };
      client.identify(more);
    },
    onConsent: (listener) => listeners.push(listener),
    storage,
  };
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
