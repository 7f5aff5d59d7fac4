// What the chunk asks of the core, in its own words: a thin view over the Host the core handed over.

import type { Categories, ConsentSource, PrivacyHints } from "@attune/sdk";
import type { Host } from "../host";

export type Core = ReturnType<typeof coreOf>;

export function coreOf(host: Host) {
  const { config, connection } = host;
  const client = () => connection.client();
  return {
    site: config.site,
    endpoint: config.endpoint,
    /** The folder of the chunks and the shipped texts. */
    folder: config.chunk,
    overrides: host.overrides,
    refresh: host.refresh,
    /** The site's consent hints from the last decide answer. */
    hints: (): PrivacyHints => connection.hints || { banner: false, sources: ["attune"], policy_version: "1", surveys: false },
    /** Consent now, the site's mode, whether GPC (not an answer) turned personalization off, whether the visitor answered. */
    state: () => ({ ...connection.consent.get(), gpc: client().consent.gpc(), answered: client().consent.answered() }),
    answer: (categories: Categories, source: ConsentSource) => connection.answer(categories, source),
    /** The visitor id if one exists; with make, one is made where consent allows. */
    visitor: (make = false) => client().visitorId(make),
    personalized: () => connection.personalized(),
    /** After an erasure: clear the device; the visitor is new. */
    forget: () => client().forget(),
    onConsent: (listener: () => void) => connection.onConsent(listener),
  };
}
