// The script tag is the configuration: data-site (required), data-endpoint (default: the script's
// own origin), data-timeout (ms, default 1000), data-consent (the site's mode, if known up front),
// data-texts (JSON overrides of the visible texts). The lazy chunks (attune-preferences.js: banner,
// preference center, "why" dialog, consent-platform adapters; attune-surveys.js) load from beside the
// script, with its nonce.

import type { ConsentMode } from "@attune/sdk";

export interface WidgetConfig {
  site: string;
  endpoint: string;
  timeoutMs: number;
  /** The mode the tag declares; undefined: unknown until the first decide answer (behave as opt-in). */
  consentMode?: ConsentMode;
  texts: Record<string, unknown>;
  /** The folder of attune.js, where its lazy chunks and shipped texts are (the stable one, or the pinned
   * one for a pinned script): attune-preferences.js, attune-surveys.js, texts/<lang>.json. */
  chunk: string;
  nonce: string;
}

export const MODES: ConsentMode[] = ["opt-in", "opt-out", "none"];

export function readConfig(script: HTMLScriptElement): WidgetConfig {
  const data = script.dataset;
  const mode = data.consent as ConsentMode;
  if (!data.site) throw Error('the script tag needs data-site="pk_…"');
  return {
    site: data.site,
    endpoint: data.endpoint || new URL(script.src).origin,
    timeoutMs: Number(data.timeout) || 1000,
    consentMode: MODES.indexOf(mode) < 0 ? undefined : mode,
    texts: JSON.parse(data.texts || "{}"),
    chunk: script.src.replace(/[^/]*$/, ""),
    nonce: script.nonce || "",
  };
}
