// The chunk's strings, in English. A site changes them per language in its config ([sites.privacy]
// categories for the default language, texts.<lang> for any language, picked by <html lang>), and
// attune.push(["texts", {...}]) overrides both. Keys are listed in widget/README.md.

import type { PrivacySettings } from "@attune/sdk";
import type { Core as Host } from "./host";

export const english = {
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

/** The page's language, from <html lang>. */
export const pageLanguage = () => (document.documentElement.lang || "en").toLowerCase();

/** English, then the site's category texts, then its texts for the page's language, then pushed overrides. */
export function textsFor(host: Host, settings: PrivacySettings | null): Texts {
  const merged: Record<string, string> = { ...english };
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
