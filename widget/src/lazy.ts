// The lazy chunk, attune-preferences.js: the "why" dialog, the consent banner, the preference center and
// the consent-platform adapters. Loaded on first need by a <script> with this script's nonce (a strict
// CSP keeps working), from beside this script: a pinned script (/v1/widget/<version>/attune.js) loads the
// chunk of its own build from the same immutable folder. The chunk registers through the one global:
// attune.push(["preferences.attach", (host) => ui]).

import type { WidgetConfig } from "./config";
import type { Connection } from "./connection";
import { h, warn } from "./dom";
import type { Host, Ui, UiFactory } from "./host";
import { overrides } from "./texts";

export interface Lazy {
  load(): Promise<Ui>;
  attach(factory: UiFactory): void;
  /** Open the preference center; focus returns to `opener` when it closes. */
  open(opener?: Element | null): void;
  /** After the first answer: the banner (not answered yet) and the consent platforms the site reads. */
  start(ready: Promise<void>): void;
}

export function createLazy(config: WidgetConfig, connection: Connection, refresh: () => Promise<void>): Lazy {
  let loading: Promise<Ui> | undefined;
  let attached: (factory: UiFactory) => void;
  const host: Host = { config, connection, refresh, overrides };

  const lazy: Lazy = {
    load: () => (loading = loading || new Promise<Ui>((resolve, reject) => {
      attached = (factory) => resolve(factory(host));
      const script = h("script", { src: config.chunk, nonce: config.nonce });
      script.onerror = () => {
        loading = undefined; // offline for a moment: the next click tries again
        reject(Error(config.chunk));
      };
      document.head.append(script);
    })),
    attach: (factory) => attached(factory),
    open: (opener) => lazy.load().then((ui) => ui.center(opener), warn),
    start(ready) {
      addEventListener("click", (event) => {
        const opener = (event.target as Element).closest && (event.target as Element).closest("[data-attune-preferences]");
        if (!opener) return;
        event.preventDefault(); // a link to the site's own privacy page still works without the widget
        lazy.open(opener);
      });
      ready.then(() => {
        const hints = connection.hints; // none: no block on this page, or no answer; nothing to ask yet
        if (hints && ((hints.banner && !connection.consent.get().decided) || hints.sources.join() !== "attune")) {
          lazy.load().then((ui) => ui.start(), warn); // the chunk shows the banner and follows the platforms
        }
      });
    },
  };
  return lazy;
}
