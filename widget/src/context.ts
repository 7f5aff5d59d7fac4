// The page's context for a decision: path, device class, where the visit came from, language, and
// (only while storage consent allows remembering it) whether this visitor has been here before.

import type { Context } from "@attune/sdk";
import { read, write } from "./connection";

const SEEN_KEY = "attune:seen"; // localStorage: the device was here in an earlier visit (cleared with consent)
const VISIT_KEY = "attune:visit"; // sessionStorage: this visit's answer, so it holds on every page of it

const SOURCES: [RegExp, string][] = [
  [/mail/, "email"],
  [/google|bing|duckduckgo|yahoo|baidu|yandex/, "search"],
  [/facebook|instagram|twitter|^t\.co$|^x\.com$|linkedin|reddit|tiktok|youtube/, "social"],
];

export function pageContext(storageAllowed: boolean, storage: Storage | null): Context {
  const ua = navigator.userAgent;
  let referrer = "direct";
  try {
    const host = document.referrer && new URL(document.referrer).hostname;
    if (host) referrer = host === location.hostname ? "internal" : (SOURCES.filter(([test]) => test.test(host))[0] || [])[1] || "other";
  } catch {
    // not a URL: direct
  }
  const context: Context = {
    page: location.pathname,
    device: /iPad|Tablet|Android(?!.*Mobi)/.test(ua) ? "tablet" : /Mobi|iPhone|Android/.test(ua) || innerWidth < 768 ? "mobile" : "desktop",
    referrer,
    language: navigator.language.split("-")[0],
  };
  if (storageAllowed && storage) {
    const visit = read(sessionStorage, VISIT_KEY) || (read(storage, SEEN_KEY) ? "returning" : "new");
    write(sessionStorage, VISIT_KEY, visit);
    write(storage, SEEN_KEY, "1");
    context.returning = visit === "returning";
  }
  return context;
}

/** Consent withdrawn: the SDK clears localStorage; this visit's answer goes too. */
export function forgetVisit(): void {
  try {
    sessionStorage.removeItem(VISIT_KEY);
  } catch {
    // no session storage: nothing kept
  }
}
