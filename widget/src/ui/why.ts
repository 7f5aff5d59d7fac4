// "Why am I seeing this?": a modal dialog (top layer, so no block can clip it) in the block's shadow
// root, with the decision's explanation in the page's language and direction, the switch for
// personalization and the way to the preference center. Focus is trapped inside, Escape or Close shut
// it, and focus goes back to the "why" button.

import { h, label } from "../dom";
import type { WhyView } from "../host";
import { factorsSaid, reasonSaid } from "./explain";
import type { Core as Host } from "./host";
import { adoptDialogSheet, direction, modal } from "./kit";
import { english, type Texts } from "./texts";

// the block shows its standard version whatever the visitor chooses: a switch here would contradict it
const UNSWITCHABLE = ["disabled", "holdout"];

export function createWhy(host: Host, texts: () => Texts, center: (opener: Element) => void) {
  return (root: ShadowRoot, opener: HTMLElement, view: () => WhyView) => {
    const heading = h("h2", { id: "why" }); // ids are per shadow root: one dialog in each
    const summary = h("p");
    const intro = h("p");
    const factors = h("ul");
    const switcher = h("button");
    const settings = h("button");
    const close = h("button");
    const dialog = h("dialog", { role: "dialog", "aria-modal": "true", "aria-labelledby": "why" },
      heading, summary, intro, factors, h("p", { class: "actions" }, switcher, settings, close));
    const shut = modal(root, dialog, () => opener);
    adoptDialogSheet(root);
    root.append(dialog);

    close.onclick = shut;
    switcher.onclick = () => {
      const { feedback, measurement } = host.state();
      // an answer like any other (with its receipt); the blocks are decided again, and this dialog refilled
      host.answer({ personalization: !host.personalized(), feedback, measurement }, "preferences");
      render(false);
    };
    settings.onclick = () => {
      dialog.close();
      center(opener); // focus comes back to this block's "why" button
    };

    function render(open: boolean): void {
      if (!open && !dialog.open) return;
      const now = view();
      const explain = now.decision!.explain;
      const t = texts();
      const gpc = explain.reason === "personalization_off" && host.state().gpc;
      dialog.setAttribute("dir", direction());
      // the button's own text if the site pushed one, else the page language's (the core button is English)
      heading.textContent = opener.textContent === english.why ? t.why : opener.textContent;
      summary.replaceChildren(...(now.ratedDown ? [t.hidden] : gpc ? [t.gpc] : reasonSaid(explain, t)));
      intro.textContent = t.factors;
      const shown = now.ratedDown ? [] : factorsSaid(explain, t);
      intro.hidden = factors.hidden = !shown.length;
      factors.replaceChildren(...shown.map((said) => h("li", null, ...said)));
      switcher.hidden = UNSWITCHABLE.indexOf(explain.reason) >= 0;
      label(switcher, host.personalized() ? t.off : t.on);
      label(settings, t.settings);
      label(close, t.close);
      if (open) {
        if (!dialog.open) dialog.showModal();
        (switcher.hidden ? settings : switcher).focus();
      }
    }
    return render;
  };
}
