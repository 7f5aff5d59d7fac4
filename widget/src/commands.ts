// The one global, window.attune. Before the script loads it is the page's array of queued
// commands; once loaded it becomes an object whose push runs commands at once. A command is
// [name, ...arguments] naming a method of the object, or a function called with the object:
//   attune.push(["consent.grant"])   attune.push(["consent.grant", {personalization: false}])
//   attune.push(["consent.deny"])    attune.push(["texts", {why: "Warum sehe ich das?"}])
//   attune.push(["consent.grant", {measurement: false}])   (personalization, feedback, measurement)
//   attune.push(["identify", {plan: "pro"}])   attune.push(["refresh"])   attune.push(["flush"])
//   attune.push(["preferences.open"])   (or a click on any [data-attune-preferences] element)
//   attune.push(["track", "checkout_completed"])   (a `track` event; a survey may be triggered by it)
//   attune.push(function (attune) { attune.ready.then(…) })
// Each consent command is an answer from the site's own code: a receipt goes with source "api".

import type { Categories, ConsentMode, ConsentState, Context } from "@attune/sdk";
import type { Engine } from "./blocks";
import type { Connection } from "./connection";
import { warn } from "./dom";
import type { Lazy } from "./lazy";
import { setTexts } from "./texts";

type Command = unknown[] | ((api: AttuneGlobal) => void);

export interface AttuneGlobal {
  push(...commands: Command[]): void;
  consent: {
    /** Allow every category but those given as false ({personalization: false}: the non-profiled experience). */
    grant(options?: Partial<Categories>): void;
    /** Nothing stored, nothing sent, no personalization (a withdrawal clears the device). */
    deny(): void;
    get(): ConsentState & { mode: ConsentMode };
  };
  preferences: {
    open(): void;
    /** How the lazy chunks register themselves (internal). */
    attach: ReturnType<Lazy["attach"]>;
  };
  surveys: { attach: ReturnType<Lazy["attach"]> };
  /** Send a `track` event named `name` (letters, digits, _ and -); surveys triggered by it may show. */
  track(name: string): void;
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

const all = (on: boolean): Categories => ({ personalization: on, feedback: on, measurement: on });

export function installGlobal(engine: Engine, connection: Connection, lazy: Lazy): void {
  const queued = window.attune as Command[] | undefined;
  const api: AttuneGlobal = {
    push: (...commands) => commands.forEach(run),
    consent: {
      grant: (options) => connection.answer({ ...all(true), ...options }, "api"),
      deny: () => connection.answer(all(false), "api"),
      get: connection.consent.get,
    },
    preferences: { open: lazy.open, attach: lazy.attach("preferences") },
    surveys: { attach: lazy.attach("surveys") },
    track(name) {
      connection.client().track({ type: "track", name });
      connection.signals.push(name);
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
