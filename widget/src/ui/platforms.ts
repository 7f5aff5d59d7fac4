// Consent from a consent platform the site already runs, in the order of [sites.privacy] sources: the
// first source with an answer wins ("attune": an answer the visitor gave in Attune's banner or preference
// center, remembered on this device). Each platform answer that changes the consent is applied with a
// receipt (source "tcf" or "gcm").
//
// IAB TCF v2.2, __tcfapi("addEventListener", 2, cb), once the CMP has loaded or the visitor acted:
//   personalization = purposes 1 (store/access on the device) + 5 (build a content profile) + 6 (use it
//   to choose content); feedback (ratings kept with the visitor's profile) = purposes 1 + 5;
//   measurement (anonymous counts of what is seen and clicked) = purpose 8 (measure content performance).
//   A CMP that says GDPR does not apply gives no answer. Attune reads the page's own __tcfapi only
//   (not a CMP in a parent frame), as a first party: vendor consent is not asked.
// Google Consent Mode v2, from gtag("consent", "default" | "update", {...}) in window.dataLayer (what is
// there and what is pushed later); only an "update" is an answer (a "default" is the site's, not the
// visitor's): personalization = personalization_storage, feedback = personalization_storage,
// measurement = analytics_storage ("granted" is on).

import type { Categories } from "@attune/sdk";
import type { Core as Host } from "./host";

type Platform = "tcf" | "gcm";
type Offer = (source: Platform, categories: Categories) => void;

interface TcData {
  eventStatus?: string;
  gdprApplies?: boolean;
  purpose?: { consents?: Record<string, boolean> };
}

type Page = Window & {
  __tcfapi?: (command: string, version: number, callback: (data: TcData, ok: boolean) => void) => void;
  dataLayer?: ArrayLike<unknown>[] & { push(...items: unknown[]): number };
};

export function followPlatforms(host: Host): void {
  const answers: Partial<Record<string, Categories>> = {};
  let applied = false; // an answer remembered before any platform answered is the visitor's own, in Attune
  const offer: Offer = (source, categories) => {
    const state = host.state();
    if (state.answered && !applied) answers.attune = state;
    answers[source] = categories;
    const winner = host.hints().sources.filter((name) => answers[name])[0];
    const same = (["personalization", "feedback", "measurement"] as const).every((name) => state[name] === categories[name]);
    if (winner !== source || (state.answered && same)) return; // another source has the say, or nothing changes
    applied = true;
    host.answer(categories, source);
  };
  const sources = host.hints().sources;
  if (sources.indexOf("tcf") >= 0) whenThere(() => tcf(offer));
  if (sources.indexOf("gcm") >= 0) gcm(offer);
}

/** A CMP's script may come after Attune's: look again once the page has loaded. */
function whenThere(start: () => boolean): void {
  if (!start()) addEventListener("load", start, { once: true });
}

function tcf(offer: Offer): boolean {
  const api = (window as Page).__tcfapi;
  if (typeof api !== "function") return false;
  api("addEventListener", 2, (data, ok) => {
    if (!ok || !data || data.gdprApplies === false || !/^(tcloaded|useractioncomplete)$/.test(data.eventStatus || "")) return;
    const consents = (data.purpose && data.purpose.consents) || {};
    const purpose = (n: number) => consents[n] === true;
    offer("tcf", { personalization: purpose(1) && purpose(5) && purpose(6), feedback: purpose(1) && purpose(5), measurement: purpose(8) });
  });
  return true;
}

function gcm(offer: Offer): void {
  const page = window as Page;
  const layer = (page.dataLayer = page.dataLayer || ([] as unknown as NonNullable<Page["dataLayer"]>));
  const state: Record<string, unknown> = {};
  let answered = false;
  const read = (entry: unknown) => {
    const command = entry as ArrayLike<unknown>;
    if (!command || command[0] !== "consent" || !command[2] || typeof command[2] !== "object") return;
    if (command[1] !== "default" && command[1] !== "update") return;
    if (command[1] === "update" || !answered) Object.assign(state, command[2]); // a late default does not undo an answer
    if (command[1] !== "update" && !answered) return;
    answered = true;
    const granted = (name: string) => state[name] === "granted";
    offer("gcm", { personalization: granted("personalization_storage"), feedback: granted("personalization_storage"), measurement: granted("analytics_storage") });
  };
  [...(layer as ArrayLike<unknown>[])].forEach(read);
  const push = layer.push;
  layer.push = function (this: unknown, ...items: unknown[]) {
    const length = push.apply(this, items);
    items.forEach(read); // after the site's own tags (Google's) have seen it
    return length;
  };
}
