// Consent state: what the visitor allows, from the site's mode, their answer and Global Privacy Control.
//
// Four switches: `storage` (keep a visitor id and the queue on this device) and three categories,
// `personalization` (decisions may use what is known about the visitor), `feedback` (ratings and survey
// answers are sent) and `measurement` (impressions, clicks, dismissals and timings are sent).
// Events of a category that is off are dropped. A visitor id exists only with storage and either
// personalization or feedback: so ratings are linked to the visitor when those allow it, and are sent
// without a visitor id otherwise (GPC on an opt-out site); measurement alone is anonymous.
//
// The answer is remembered in localStorage ("attune:consent") only while storage is granted; a denial
// is kept in memory for this page, because remembering it would itself be writing to the device.
// So an opt-in site asks again on the next page load after a denial, and an opt-out one starts allowed.

import { CONSENT_KEY, VISITOR_KEY, type SafeStore } from "./storage.js";
import type { ConsentChange, ConsentMode, ConsentState, EventType } from "./types.js";

export type { ConsentChange };
export type ConsentListener = (state: ConsentState) => void;

export interface Consent {
  get(): ConsentState;
  set(change: ConsentChange): void;
  subscribe(listener: ConsentListener): () => void;
  /** Personalization is off because of Global Privacy Control, not because of an answer. */
  gpc(): boolean;
  /** Has the visitor answered on this site (now, or remembered from an earlier page)? */
  answered(): boolean;
  /** The server saw the browser's privacy signal (Sec-GPC): behave as with navigator.globalPrivacyControl. */
  signal(): void;
  /** Forget the answer (after an erasure): back to the site's defaults, as a new visitor. */
  reset(): void;
}

/** What happens to an event under this consent: sent now, held in memory until an answer, or dropped. */
export type EventGate = "send" | "hold" | "drop";

const FEEDBACK = /^(rating|survey)/; // ratings and survey_* (shown, dismissed, answer, response): the visitor's feedback

export function eventGate(mode: ConsentMode, state: ConsentState, type: EventType): EventGate {
  if (mode === "opt-in" && !state.decided) return "hold";
  return state[FEEDBACK.test(type) ? "feedback" : "measurement"] ? "send" : "drop";
}

/** May this device keep a visitor id (and send it)? */
export const linked = (state: ConsentState) => state.storage && (state.personalization || state.feedback);

/**
 * The decide request's `personalization` flag. False when the visitor (or GPC) turned it off: an
 * opt-in visitor who has not answered yet still gets decisions on the page's own context, with no
 * visitor id and no traits, which is what the server's `true` means for an anonymous request.
 */
export function personalizationFlag(mode: ConsentMode, state: ConsentState, gpc = false): boolean {
  return state.personalization || (mode === "opt-in" && !state.decided && !gpc);
}

export function createConsent(options: { mode: ConsentMode; gpc: boolean; store: SafeStore }): Consent {
  const { mode, store } = options;
  let gpc = options.gpc && mode !== "none"; // a "none" site asks nothing; the server's own signal still counts
  const remembered = readRemembered(store);
  let answered = !!remembered;
  let state = remembered || initialState(mode, gpc);
  const listeners = new Set<ConsentListener>();

  function reset(): void {
    answered = false;
    store.clear();
    become(initialState(mode, gpc));
  }

  function become(next: ConsentState): void {
    const changed = (Object.keys(next) as (keyof ConsentState)[]).some((key) => next[key] !== state[key]);
    state = next;
    if (!changed) return;
    listeners.forEach((listener) => {
      try {
        listener({ ...state });
      } catch {
        // a subscriber's bug must not stop the others, nor reach the caller of set()
      }
    });
  }

  return {
    get: () => ({ ...state }),
    set(change) {
      const next: ConsentState = { ...state, decided: true };
      const named = (key: keyof ConsentChange) => typeof change[key] === "boolean";
      // a caller that names only storage (the API before categories) means the other uses follow it
      if (named("storage") && !named("feedback") && !named("measurement")) next.feedback = next.measurement = change.storage!;
      (Object.keys(change) as (keyof ConsentChange)[]).forEach((key) => named(key) && (next[key] = change[key]!));
      // storage as named; else it follows the categories: an answer allowing anything is remembered
      if (!named("storage")) next.storage = next.personalization || next.feedback || next.measurement;
      answered = true;
      if (next.storage) {
        store.set(CONSENT_KEY, JSON.stringify(next));
        if (!linked(next)) store.remove(VISITOR_KEY);
      } else store.clear(); // withdrawn or denied: the visitor id, the queue and the remembered answer go
      become(next);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    gpc: () => gpc && !answered,
    answered: () => answered,
    signal() {
      gpc = true;
      if (!answered) reset(); // an explicit answer on this site wins over the signal
    },
    reset,
  };
}

function initialState(mode: ConsentMode, gpc: boolean): ConsentState {
  const all = (on: boolean, decided: boolean) => ({ storage: on, personalization: on, feedback: on, measurement: on, decided });
  if (mode === "opt-in") return all(false, false);
  // GPC: no visitor id, nothing stored, not personalized; anonymous measurement and feedback still count
  if (gpc) return { ...all(true, true), storage: false, personalization: false };
  return all(true, mode === "none");
}

function readRemembered(store: SafeStore): ConsentState | null {
  try {
    const raw = JSON.parse(store.get(CONSENT_KEY) || "null");
    if (!raw || raw.storage !== true || typeof raw.personalization !== "boolean") return null;
    return { feedback: true, measurement: true, ...raw, decided: true }; // kept before the categories: both allowed
  } catch {
    return null;
  }
}
