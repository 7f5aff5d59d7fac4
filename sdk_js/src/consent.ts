// Consent state: what the visitor allows, from the site's mode, their answer and Global Privacy Control.
//
// The answer is remembered in localStorage ("attune:consent") only while storage is granted; a denial
// is kept in memory for this page, because remembering it would itself be writing to the device.
// So an opt-in site asks again on the next page load after a denial, and an opt-out one starts allowed.

import { CONSENT_KEY, type SafeStore } from "./storage.js";
import type { ConsentMode, ConsentState } from "./types.js";

export type ConsentChange = Partial<Pick<ConsentState, "storage" | "personalization">>;
export type ConsentListener = (state: ConsentState) => void;

export interface Consent {
  get(): ConsentState;
  set(change: ConsentChange): void;
  subscribe(listener: ConsentListener): () => void;
}

/** What happens to an event under this consent: sent now, held in memory until an answer, or dropped. */
export type EventGate = "send" | "hold" | "drop";

export function eventGate(mode: ConsentMode, state: ConsentState): EventGate {
  if (mode !== "opt-in") return "send"; // opt-out and none: sent, without a visitor id if storage is off
  if (!state.decided) return "hold";
  return state.storage ? "send" : "drop";
}

/**
 * The decide request's `personalization` flag. False only when the visitor (or GPC) turned it off:
 * an opt-in visitor who has not answered yet still gets decisions on the page's own context, with no
 * visitor id and no traits, which is what the server's `true` means for an anonymous request.
 */
export function personalizationFlag(mode: ConsentMode, state: ConsentState): boolean {
  return state.personalization || (mode === "opt-in" && !state.decided);
}

export function createConsent(options: { mode: ConsentMode; gpc: boolean; store: SafeStore }): Consent {
  const { mode, store } = options;
  let state = initialState(mode, options.gpc, readRemembered(store));
  const listeners = new Set<ConsentListener>();

  return {
    get: () => ({ ...state }),
    set(change) {
      const next: ConsentState = {
        storage: typeof change.storage === "boolean" ? change.storage : state.storage,
        personalization: typeof change.personalization === "boolean" ? change.personalization : state.personalization,
        decided: true,
      };
      if (next.storage) store.set(CONSENT_KEY, JSON.stringify({ storage: true, personalization: next.personalization }));
      else store.clear(); // withdrawn or denied: the visitor id, the queue and the remembered answer go
      const changed = next.storage !== state.storage || next.personalization !== state.personalization || !state.decided;
      state = next;
      if (!changed) return;
      listeners.forEach((listener) => {
        try {
          listener({ ...state });
        } catch {
          // a subscriber's bug must not stop the others, nor reach the caller of set()
        }
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

function initialState(mode: ConsentMode, gpc: boolean, remembered: ConsentState | null): ConsentState {
  if (remembered) return remembered; // an explicit answer on this site wins over the defaults and GPC
  if (mode === "opt-in") return { storage: false, personalization: false, decided: false };
  if (mode === "opt-out" && gpc) return { storage: false, personalization: false, decided: true };
  return { storage: true, personalization: true, decided: mode === "none" };
}

function readRemembered(store: SafeStore): ConsentState | null {
  try {
    const raw = JSON.parse(store.get(CONSENT_KEY) || "null");
    if (!raw || raw.storage !== true || typeof raw.personalization !== "boolean") return null;
    return { storage: true, personalization: raw.personalization, decided: true };
  } catch {
    return null;
  }
}
