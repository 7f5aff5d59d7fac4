// The script-tag widget: <script src="…/v1/attune.js" data-site="pk_…" async></script>.
// Reads its tag, takes over the window.attune queue, and personalizes [data-attune-block] elements.

import { createEngine, type Engine } from "./blocks";
import { installGlobal } from "./commands";
import { readConfig } from "./config";
import { connect } from "./connection";
import { warn } from "./dom";
import { createLazy } from "./lazy";
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
    const lazy = createLazy(config, connection, () => engine.refresh());
    const engine: Engine = createEngine(connection, config.timeoutMs, lazy.load);
    installGlobal(engine, connection, lazy); // queued commands (consent, texts) run before the first decision
    engine.start();
    lazy.start(engine.ready);
  }
} catch (error) {
  warn(error); // never break the host page
}
