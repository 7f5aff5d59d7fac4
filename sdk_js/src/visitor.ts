// The visitor id: random, first-party, made only once consent allows it.

import { VISITOR_ID, randomId } from "./ids.js";
import { VISITOR_KEY, type SafeStore } from "./storage.js";

export interface Visitor {
  /** The id, made and stored on first use while allowed; null otherwise. */
  get(): string | null;
  /** The id if one exists already (in memory or stored); never makes one. */
  peek(): string | null;
  /** Forget the id (erased): the next get() makes a new one. */
  reset(): void;
}

export function createVisitor(store: SafeStore, allowed: () => boolean): Visitor {
  let id: string | null = null;
  const saved = () => {
    const found = store.get(VISITOR_KEY);
    return found && VISITOR_ID.test(found) ? found : null;
  };
  const peek = () => (allowed() ? id || (id = saved()) : (id = null)); // withdrawn: consent.set removed the stored copy
  return {
    get() {
      if (peek() || !allowed()) return id;
      id = randomId();
      store.set(VISITOR_KEY, id); // if the write fails, the id lasts for this page
      return id;
    },
    peek,
    reset() {
      id = null;
    },
  };
}
