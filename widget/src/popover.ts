// "Why am I seeing this?": a modal dialog (top layer, so no block can clip it) with the decision's
// explanation and the switch for personalization. Focus is trapped inside, Escape or Close shut it,
// and focus goes back to the button that opened it.

import { h, label } from "./dom";
import { texts } from "./texts";

export interface WhyView {
  summary: string;
  factors: string[];
  personalized: boolean;
}

/** Returns render(): fills the dialog from view() and opens it, or only refills it if open is false. */
export function createPopover(root: ShadowRoot, opener: HTMLElement, view: () => WhyView, toggle: () => void) {
  const heading = h("h2", { id: "why" }); // ids are per shadow root: one popover in each
  const summary = h("p");
  const intro = h("p");
  const factors = h("ul");
  const switcher = h("button");
  const close = h("button");
  const dialog = h("dialog", { role: "dialog", "aria-modal": "true", "aria-labelledby": "why" },
    heading, summary, intro, factors, h("p", { class: "actions" }, switcher, " ", close));
  const shut = () => {
    dialog.close();
    opener.focus();
  };
  root.append(dialog);

  dialog.onkeydown = (event) => {
    if (event.key === "Escape") shut();
    else if (event.key !== "Tab") return;
    else (root.activeElement === switcher ? close : switcher).focus(); // its only two stops, either way round
    event.preventDefault();
  };
  dialog.oncancel = (event) => {
    event.preventDefault(); // the platform's close request: shut our way, so focus returns
    shut();
  };
  close.onclick = shut;
  switcher.onclick = toggle;

  return (open: boolean) => {
    if (!open && !dialog.open) return;
    const now = view();
    heading.textContent = texts.why;
    summary.textContent = now.summary;
    intro.textContent = texts.factors;
    intro.hidden = factors.hidden = !now.factors.length;
    factors.replaceChildren(...now.factors.map((text) => h("li", null, text)));
    label(switcher, now.personalized ? texts.off : texts.on);
    label(close, texts.close);
    if (open) {
      if (!dialog.open) dialog.showModal();
      switcher.focus();
    }
  };
}
