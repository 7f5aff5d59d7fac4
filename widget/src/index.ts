// The script-tag widget: <script src="…/v1/attune.js" data-site="pk_…" async></script>.
// Reads its tag, takes over the window.attune queue, and personalizes [data-attune-block] elements.

import { createEngine } from "./blocks";
import { installGlobal } from "./commands";
import { readConfig } from "./config";
import { connect } from "./connection";
import { warn } from "./dom";
import { adoptPageSheet } from "./styles";
import { setTexts } from "./texts";

try {
  // Loaded twice: the first one serves. A bad tag (no data-site, data-texts not JSON) or an old browser
  // (adoptPageSheet throws) stops here, with a console warning: the page's own content stays.
  if (Array.isArray(window.attune || [])) {
    const config = readConfig(document.currentScript as HTMLScriptElement);
    setTexts(config.texts);
    adoptPageSheet();
    const connection = connect(config);
    const engine = createEngine(connection, config.timeoutMs);
    installGlobal(engine, connection); // queued commands (consent, texts) run before the first decision
    engine.start();
  }
} catch (error) {
  warn(error); // never break the host page
}
