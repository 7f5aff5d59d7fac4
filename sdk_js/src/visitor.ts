// The visitor id: random, first-party, made only once storage consent allows it.

import { VISITOR_ID, randomId } from "./ids.js";
import { VISITOR_KEY, type SafeStore } from "./storage.js";

export interface Visitor {
  /** The id, made and stored on first use while storage is allowed; null otherwise. */
  get(): string | null;
}

export function createVisitor(store: SafeStore, allowed: () => boolean): Visitor {
  let id: string | null = null;
  return {
    get() {
      if (!allowed()) {
        id = null; // withdrawn: consent.set has removed the stored copy already
        return null;
      }
      if (id) return id;
      const saved = store.get(VISITOR_KEY);
      id = saved && VISITOR_ID.test(saved) ? saved : randomId();
      if (id !== saved) store.set(VISITOR_KEY, id); // if the write fails, the id lasts for this page
      return id;
    },
  };
}
