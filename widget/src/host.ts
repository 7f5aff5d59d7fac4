// The contract between the core (attune.js) and its lazy chunk (attune-preferences.js): types only.
// The chunk registers with attune.push(["preferences.attach", (host) => ui]); the core hands it a Host:
// the core's connection (the SDK client, consent, answers with receipts) and what the chunk needs besides.

import type { Decision } from "@attune/sdk";
import type { WidgetConfig } from "./config";
import type { Connection } from "./connection";
import type { Build } from "./render";

export interface Host {
  config: WidgetConfig;
  connection: Connection;
  /** Decide every block again. */
  refresh(): Promise<void>;
  /** Texts pushed by the site: they win over its configured ones. */
  overrides: Record<string, string>;
}

/** What a block shows: its decision (explained), and whether the visitor rated it down. */
export interface WhyView {
  decision?: Decision;
  ratedDown: boolean;
}

export interface Ui {
  /** The "Why am I seeing this?" dialog in a block's shadow root; returns render(open). */
  whyDialog(root: ShadowRoot, opener: HTMLElement, view: () => WhyView): (open: boolean) => void;
  center(opener?: Element | null): void;
  /** The content of a block without field markers (ui/build.ts). */
  build: Build;
  /** After the first answer: the banner if the visitor has not answered, and the consent platforms the site reads. */
  start(): void;
}

export type UiFactory = (host: Host) => Ui | Promise<Ui>;
