// Consent receipts and the visitor's rights over their data: plain calls, apart from createClient, so a
// bundle that imports none of them carries none (the widget's core imports sendConsent only).
//   await recordConsent({endpoint, site}, {visitor, categories, source: "banner", policy_version: "3"})
//   const rights = visitorRights({endpoint, site}); await rights.exportData(visitorId)
// The visitor id is the credential: call these only with the id of the visitor using this device.

import { beacon, post, requestError } from "./transport.js";
import type { Sent, Wire } from "./types.js";

export type ConsentSource = Wire["ConsentRequest"]["source"];

export interface PrivacyOptions {
  endpoint: string;
  site: string;
  fetch?: typeof fetch; // for tests
  timeoutMs?: number; // default 10 s: these are answers to a visitor's click, not the page's first paint
}

/** A consent answer as POST /v1/consent takes it, without the site (the options carry it). */
export type ConsentAnswer = Omit<Wire["ConsentRequest"], "site"> & { visitor: string | null };
export type ConsentRecord = Sent<Wire["ConsentRecord"]>;
export type RatingRecord = Sent<Wire["RatingRecord"]>;
export type Profile = Sent<Wire["Profile"]>;
export type ErasureCounts = Sent<Wire["ErasureCounts"]>;
type Rows = Record<string, unknown>[]; // rows as stored: the contract leaves their columns open
/** Everything linked to the visitor, as the server stores it. */
export type Export = Omit<Sent<Wire["Export"]>, "decisions" | "events" | "suppressions" | "survey_answers"> &
  { decisions: Rows; events: Rows; suppressions: Rows; survey_answers: Rows };
/** What a site's banner and preference center show (GET /v1/sites/{site}/privacy). */
export type PrivacySettings = Sent<Wire["PrivacySettings"]>;

const fetchOf = (options: PrivacyOptions): typeof fetch => options.fetch || ((input, init) => fetch(input, init));
const base = (options: PrivacyOptions) => options.endpoint.replace(/\/+$/, "");

/** POST `body` with the site to `path`; the parsed answer, or a RequestError naming the server's detail. */
export async function call<T>(options: PrivacyOptions, path: string, body: object, keepalive = false): Promise<T> {
  const reply = await post(fetchOf(options), base(options) + path, JSON.stringify({ site: options.site, ...body }),
    options.timeoutMs || 10_000, keepalive);
  let parsed: T & { detail?: string };
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    parsed = { detail: reply.body.slice(0, 200) } as T & { detail?: string }; // not JSON: a proxy's error page
  }
  if (reply.status < 300) return parsed;
  throw requestError(`${path} failed with HTTP ${reply.status}: ${parsed.detail}`, reply.status);
}

/** POST /v1/consent: store a receipt of the visitor's answer; resolves to the receipt's id. */
export async function recordConsent(options: PrivacyOptions, answer: ConsentAnswer): Promise<string> {
  // keepalive: a withdrawal's receipt must reach the server even if the page goes away right after
  return (await call<Wire["ConsentReceipt"]>(options, "/v1/consent", answer, true)).receipt;
}

/**
 * POST /v1/consent without waiting for the receipt's id: by beacon, so it reaches the server even if the
 * page goes away at once (a withdrawal, then a reload); by a keepalive fetch where there is no beacon.
 */
export function sendConsent(options: PrivacyOptions, answer: ConsentAnswer): void {
  const url = base(options) + "/v1/consent";
  const body = JSON.stringify({ site: options.site, ...answer });
  if (!beacon(url, body)) post(fetchOf(options), url, body, options.timeoutMs || 10_000, true).catch(() => undefined);
}

/** GET /v1/sites/{site}/privacy: the site's consent texts, categories and interests (public). */
export async function privacySettings(options: PrivacyOptions): Promise<PrivacySettings> {
  const response = await fetchOf(options)(`${base(options)}/v1/sites/${encodeURIComponent(options.site)}/privacy`,
    { credentials: "omit" });
  if (!response.ok) throw requestError(`privacy settings failed with HTTP ${response.status}`, response.status);
  return response.json();
}

/** The preference center's calls for one visitor id. */
export function visitorRights(options: PrivacyOptions) {
  return {
    profile: (visitor: string) => call<Profile>(options, "/v1/visitor/profile", { visitor }),
    saveInterests: async (visitor: string, interests: string[]) =>
      (await call<Wire["InterestsSaved"]>(options, "/v1/visitor/interests", { visitor, interests })).interests,
    /** Withdraw the visitor's rating of a decision: a variant it hid can be shown again. */
    undoRating: async (visitor: string, decisionId: string) =>
      (await call<Wire["RatingUndone"]>(options, "/v1/visitor/ratings/undo", { visitor, decision_id: decisionId })).undone,
    exportData: (visitor: string) => call<Export>(options, "/v1/visitor/export", { visitor }),
    /** Delete everything linked to the visitor; then call the client's forget() so the device starts anew. */
    erase: (visitor: string) => call<Sent<Wire["Erased"]>>(options, "/v1/visitor/erase", { visitor }),
  };
}

export type VisitorRights = ReturnType<typeof visitorRights>;
