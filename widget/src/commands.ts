// The one global, window.attune. Before the script loads it is the page's array of queued
// commands; once loaded it becomes an object whose push runs commands at once. A command is
// [name, ...arguments] naming a method of the object, or a function called with the object:
//   attune.push(["consent.grant"])   attune.push(["consent.grant", {personalization: false}])
//   attune.push(["consent.deny"])    attune.push(["texts", {why: "Warum sehe ich das?"}])
//   attune.push(["identify", {plan: "pro"}])   attune.push(["refresh"])   attune.push(["flush"])
//   attune.push(function (attune) { attune.ready.then(…) })

import type { ConsentMode, ConsentState, Context } from "@attune/sdk";
import type { Engine } from "./blocks";
import type { Connection } from "./connection";
import { warn } from "./dom";
import { setTexts } from "./texts";

type Command = unknown[] | ((api: AttuneGlobal) => void);

export interface AttuneGlobal {
  push(...commands: Command[]): void;
  consent: {
    /** Allow storage (a visitor id) and, unless {personalization: false}, personalization. */
    grant(options?: { personalization?: boolean }): void;
    /** No storage, no personalization: the non-profiled experience. */
    deny(): void;
    get(): ConsentState & { mode: ConsentMode };
  };
  /** Resolves once every block found at start-up shows its decision or was left as it was. */
  ready: Promise<void>;
  refresh(): Promise<void>;
  flush(): Promise<void>;
  texts(overrides: Record<string, string>): void;
  identify(traits: Context): void;
}

declare global {
  interface Window {
    attune?: AttuneGlobal | Command[];
  }
}

export function installGlobal(engine: Engine, connection: Connection): void {
  const queued = window.attune as Command[] | undefined;
  const api: AttuneGlobal = {
    push: (...commands) => commands.forEach(run),
    consent: {
      grant: (options) => connection.consent.set({ storage: true, personalization: !options || options.personalization !== false }),
      deny: () => connection.consent.set({ storage: false, personalization: false }),
      get: connection.consent.get,
    },
    ready: engine.ready,
    refresh: engine.refresh,
    flush: () => connection.client().flush(),
    texts: setTexts, // before the first render (queued, or data-texts); later, for what is drawn next
    identify: connection.identify,
  };

  function run(command: Command): void {
    try {
      if (typeof command === "function") return command(api);
      const [name, ...args] = command;
      const [group, method] = `${name}`.split(".");
      const owner = (method ? api[group as "consent"] : api) as unknown as Record<string, (...args: unknown[]) => void>;
      owner[method || group](...args);
    } catch (error) {
      warn(error); // a bad command must not break the page that pushed it
    }
  }

  window.attune = api;
  if (queued) queued.forEach(run);
}
