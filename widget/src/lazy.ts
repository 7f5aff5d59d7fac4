// The lazy chunks, loaded on first need by a <script> with this script's nonce (a strict CSP keeps
// working), from beside this script: a pinned script (/v1/widget/<version>/attune.js) loads the chunks of
// its own build from the same immutable folder. Each registers through the one global:
//   attune-preferences.js: the "why" dialog, the consent banner, the preference center and the
//     consent-platform adapters; attune.push(["preferences.attach", (host) => ui]).
//   attune-surveys.js: in-moment surveys, loaded when the decide answer says the site has surveys or the
//     page marks a place for one ([data-attune-survey]), and only while feedback consent allows;
//     attune.push(["surveys.attach", (host) => undefined]).

import type { WidgetConfig } from "./config";
import type { Connection } from "./connection";
import { h, warn } from "./dom";
import type { Host, Ui } from "./host";
import { overrides } from "./texts";

type Factory = (host: Host) => unknown;

export interface Lazy {
  load(): Promise<Ui>;
  /** How the chunk called `name` registers its factory. */
  attach(name: string): (factory: Factory) => void;
  /** Open the preference center; focus returns to `opener` when it closes. */
  open(opener?: Element | null): void;
  /** After the first answer: the banner (not answered yet), the consent platforms the site reads, surveys. */
  start(ready: Promise<void>): void;
}

export function createLazy(config: WidgetConfig, connection: Connection, refresh: () => Promise<void>): Lazy {
  const loading: Record<string, Promise<unknown> | undefined> = {};
  const attached: Record<string, (factory: Factory) => void> = {};
  const host: Host = { config, connection, refresh, overrides };

  const chunk = (name: string) => (loading[name] = loading[name] || new Promise((resolve, reject) => {
    attached[name] = (factory) => resolve(factory(host));
    const script = h("script", { src: `${config.chunk}attune-${name}.js`, nonce: config.nonce });
    script.onerror = () => {
      loading[name] = undefined; // offline for a moment: the next need tries again
      reject(Error(name));
    };
    document.head.append(script);
  }));

  // opt-in sites: nothing of a survey is loaded, shown, stored or sent before the visitor allows feedback
  const surveys = () => {
    const hints = connection.hints;
    if (((hints && hints.surveys) || document.querySelector("[data-attune-survey]")) && connection.consent.get().feedback) {
      chunk("surveys").catch(warn);
    }
  };

  const lazy: Lazy = {
    load: () => chunk("preferences") as Promise<Ui>,
    attach: (name) => (factory) => attached[name](factory),
    open: (opener) => lazy.load().then((ui) => ui.center(opener), warn),
    start(ready) {
      addEventListener("click", (event) => {
        const opener = (event.target as Element).closest && (event.target as Element).closest("[data-attune-preferences]");
        if (!opener) return;
        event.preventDefault(); // a link to the site's own privacy page still works without the widget
        lazy.open(opener);
      });
      connection.onConsent(surveys);
      ready.then(() => {
        const hints = connection.hints; // none: no block on this page, or no answer; nothing to ask yet
        if (hints && ((hints.banner && !connection.consent.get().decided) || hints.sources.join() !== "attune")) {
          lazy.load().then((ui) => ui.start(), warn); // the chunk shows the banner and follows the platforms
        }
        surveys();
      });
    },
  };
  return lazy;
}
