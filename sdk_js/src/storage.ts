// localStorage behind try/catch: Safari private mode, sandboxed iframes and full quotas throw.

export const KEY_PREFIX = "attune:";
export const VISITOR_KEY = "attune:vid";
export const QUEUE_KEY = "attune:queue";
export const CONSENT_KEY = "attune:consent";

export interface SafeStore {
  get(key: string): string | null;
  /** False when the write did not happen (no storage, quota, blocked). */
  set(key: string, value: string): boolean;
  remove(key: string): void;
  /** Remove every attune:* key (consent withdrawn). */
  clear(): void;
}

/** window.localStorage where it exists and may be touched, else null. */
export function defaultStorage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // reading the property itself throws in sandboxed iframes
  }
}

export function createStore(storage: Storage | null): SafeStore {
  return {
    get(key) {
      try {
        return storage ? storage.getItem(key) : null;
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        if (!storage) return false;
        storage.setItem(key, value);
        return true;
      } catch {
        return false;
      }
    },
    remove(key) {
      try {
        if (storage) storage.removeItem(key);
      } catch {
        // nothing to undo
      }
    },
    clear() {
      try {
        if (!storage) return;
        const keys: string[] = [];
        for (let i = 0; i < storage.length; i++) {
          const key = storage.key(i);
          if (key !== null && key.indexOf(KEY_PREFIX) === 0) keys.push(key);
        }
        keys.forEach((key) => storage.removeItem(key));
      } catch {
        // best effort: a storage that cannot be listed cannot be cleared either
      }
    },
  };
}
