// The chunk's strings, in English; also shipped in German, French, Spanish and Arabic (src/texts/<lang>.json,
// fetched for the page's <html lang> before the chunk registers: ../catalogue.ts). A site changes them per language in its config ([sites.privacy] categories for the default
// language, texts.<lang> for any language), and attune.push(["texts", {...}]) overrides both. Keys are
// listed in widget/README.md.

import type { PrivacySettings } from "@attune/sdk";
import { catalogue, pageLanguage } from "../catalogue";
import type { Core as Host } from "./host";

export const english = {
  why: "Why am I seeing this?",
  // a decision's reason code, said as a sentence; {rule} is the site's rule name
  reason_model: "Visitors like you responded to this version most.",
  reason_most: "This is the version most visitors respond to.",
  reason_exploration: "We are trying this version to learn what visitors like you prefer.",
  reason_split: "The site is comparing versions of this part of the page; this one was picked at random.",
  reason_holdout: "You see the standard version: a small share of visitors always do, so the site can check that personalization really helps.",
  reason_disabled: "Personalization is switched off for this part of the page, so you see the standard version.",
  reason_only_option: "This is the only version that fits right now, so everyone in your situation sees it.",
  reason_personalization_off: "You turned personalization off, so this choice uses nothing about you: it is what most visitors respond to.",
  reason_rule: "The site shows this version when one of its rules applies: {rule}.",
  // a factor: a pair of two, a field's template for any value, a value in words ("field=value" keys)
  both: "{a} and {b}",
  field: "{field} is {value}",
  field_device: "your device is {value}",
  field_referrer: "you came from {value}",
  field_page: "you are on the page {value}",
  field_language: "your language is {value}",
  field_country: "your country is {value}",
  interest: "you chose the interest {value}",
  "device=mobile": "you are on a phone",
  "device=tablet": "you are on a tablet",
  "device=desktop": "you are on a computer",
  "referrer=direct": "you came straight to this site",
  "referrer=search": "you came from a search engine",
  "referrer=social": "you came from social media",
  "referrer=email": "you came from an email",
  "referrer=internal": "you came from another page of this site",
  "referrer=other": "you came from another website",
  "returning=true": "you have visited before",
  "returning=false": "this is your first visit",
  factors: "Based on:",
  off: "Turn off personalization",
  on: "Turn personalization back on",
  hidden: "You rated it not relevant: this is the usual content.",
  gpc: "Your browser's Global Privacy Control signal turned personalization off, so this choice uses nothing about you: it is what most visitors respond to.",
  gpc_note: "Your browser's Global Privacy Control signal turned personalization off. You can turn it on here.",
  close: "Close",
  settings: "Privacy settings",
  banner: "This site can choose its content for you and learn from what you see and rate. You decide what it may use.",
  accept: "Accept all",
  reject: "Reject all",
  choose: "Settings",
  intro: "Choose what this site may use. You can change this at any time.",
  uses: "What this site may use",
  personalization: "Personalization",
  personalization_text: "Choose content for you from what you do here. Off: you see what most visitors respond to, chosen without anything about you.",
  feedback: "Feedback",
  feedback_text: "Keep your ratings and answers so the site can learn from them and hide what you rated down. Off: they are not sent.",
  measurement: "Measurement",
  measurement_text: "Count, without knowing who you are, which content is seen and clicked. Off: nothing is counted.",
  save: "Save choices",
  saved: "Saved.",
  interests: "Your interests",
  interests_text: "What you choose here helps pick content for you.",
  interests_off: "Interests need personalization turned on.",
  save_interests: "Save interests",
  known: "What this site knows about you",
  nothing: "Nothing is kept about you on this site.",
  ratings: "Your ratings",
  rated: "{date}: {effect}",
  undo: "Undo",
  undone: "Undone: this content can be shown to you again.",
  history: "Your consent history",
  consented: "{date}, {source}: {choices}",
  allowed: "allowed",
  refused: "not allowed",
  source_banner: "banner",
  source_preferences: "privacy settings",
  source_api: "this site",
  source_tcf: "consent platform",
  source_gcm: "Google consent mode",
  source_gpc: "browser privacy signal",
  your_data: "Your data",
  download: "Download my data",
  erase: "Erase my data",
  erase_confirm: "This deletes everything this site keeps about you, and you start again as a new visitor. Erase it?",
  erase_yes: "Yes, erase my data",
  cancel: "Cancel",
  erased: "Erased. You are a new visitor now.",
  failed: "That did not work. Please try again.",
};

export type Texts = typeof english;
type Key = keyof Texts;

export { pageLanguage };

const shipped: Record<string, string> = {};

/** Fetch the shipped texts of the page's language (from the chunks' folder), before anything is drawn. */
export const loadShipped = (folder: string) => catalogue(folder).then((found) => Object.assign(shipped, found));

/** The shipped texts for the page's language: English, under the catalogue for its language if there is one. */
export const builtIn = (): Record<string, string> => ({ ...english, ...shipped });

/** The shipped texts, then the site's category texts, then its texts for the page's language, then pushed overrides. */
export function textsFor(host: Host, settings: PrivacySettings | null): Texts {
  const merged = builtIn();
  const put = (more: Record<string, string> | undefined) => {
    for (const key in more) if (typeof more[key] === "string") merged[key] = more[key];
  };
  if (settings) {
    for (const name in settings.categories) {
      const { label, description } = settings.categories[name];
      put({ [name]: label, [`${name}_text`]: description });
    }
    const lang = pageLanguage();
    const languages = settings.texts || {};
    const found = Object.keys(languages).filter((code) => code.toLowerCase() === lang)[0] ||
      Object.keys(languages).filter((code) => code.toLowerCase() === lang.split("-")[0])[0];
    if (found) put(languages[found]);
  }
  put(host.overrides);
  return merged as Texts;
}

export const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? values[name] : whole));

export type { Key };
