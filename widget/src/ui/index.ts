// attune-preferences.js, the widget's lazy chunk: the "why" dialog, the consent banner, the preference
// center and the consent-platform adapters. It registers with the core through the one global.

import { privacySettings, type PrivacySettings } from "@attune/sdk";
import type { AttuneGlobal } from "../commands";
import type { Host, Ui } from "../host";
import { coreOf } from "./host";
import { showBanner } from "./banner";
import { build } from "./build";
import { createCenter } from "./center";
import { followPlatforms } from "./platforms";
import { loadShipped, textsFor } from "./texts";
import { createWhy } from "./why";

async function createUi(given: Host): Promise<Ui> {
  const host = coreOf(given);
  let loading: Promise<PrivacySettings | null> | undefined;
  let site: PrivacySettings | null = null;
  // the site's texts, categories and interests; without them (offline) the English defaults serve
  const settings = () => (loading = loading || privacySettings(host).then((found) => (site = found), () => null));
  const texts = (from = site) => textsFor(host, from);
  const center = createCenter(host, settings, texts);
  const open = (opener?: Element | null) => void center(opener);
  void settings();
  await loadShipped(host.folder); // registered once the page's language is there: nothing is drawn in English first
  return {
    whyDialog: createWhy(host, () => texts(), open),
    center: open,
    build,
    start() {
      const { banner, sources } = host.hints();
      if (sources.some((source) => source !== "attune")) followPlatforms(host);
      if (banner && !host.state().decided) void settings().then((found) => showBanner(host, texts(found), open));
    },
  };
}

const queue = (window.attune = window.attune || []) as AttuneGlobal | unknown[];
queue.push(["preferences.attach", createUi]);
