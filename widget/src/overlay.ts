// Each decided block's own UI: a small bar in its corner (rating control, "Why am I seeing this?")
// in an open shadow root, absolutely positioned so the block's content never moves. The dialog behind
// "why" lives in the lazy chunk, loaded on the first click.

import type { Decision } from "@attune/sdk";
import { h, warn } from "./dom";
import { ratingControl } from "./feedback";
import type { Ui } from "./host";
import { adoptUiSheet } from "./styles";
import { texts } from "./texts";

export interface BlockView {
  decision?: Decision;
  /** Showing the variant; false: the page's own content (holdout, disabled, rated down). */
  swapped: boolean;
  ratedDown: boolean;
  rated: number | null;
}

export interface Overlay {
  host: HTMLElement;
  /** Draw the bar for this view, and refill the popover if it is open. */
  update(view: BlockView): void;
}

export function createOverlay(block: HTMLElement, load: () => Promise<Ui>, rate: (value: number) => void): Overlay {
  const host = document.createElement("attune-ui");
  const root = host.attachShadow({ mode: "open" });
  const slot = h("span");
  const status = h("span", { role: "status" }); // there from the start, so screen readers announce what fills it
  const why = h("button", { class: "why", "aria-haspopup": "dialog" });
  let view: BlockView;
  let shown = "";
  let popover: ((open: boolean) => void) | undefined;
  adoptUiSheet(root);
  root.append(h("div", { class: "bar" }, slot, status, why));

  why.onclick = () => load().then((ui) => {
    popover = popover || ui.whyDialog(root, why, () => view);
    popover(true);
  }, warn);

  return {
    host,
    update(next) {
      view = next;
      const decision = next.decision!;
      const kind = next.swapped ? decision.feedback : null;
      const key = kind ? decision.decision_id + next.rated : "";
      why.textContent = texts.why; // its accessible name too
      // rated down: the page's own content is back, which may look the same (the fallback variant): say so
      status.textContent = next.ratedDown ? texts.usual : "";
      if (key !== shown) {
        const focused = slot.contains(root.activeElement);
        slot.replaceChildren(kind ? ratingControl(kind, next.rated, rate) : "");
        // keyboard users keep their place: on the chosen rating, or on "why" when the control went away
        if (focused) (slot.querySelector<HTMLElement>(`[data-value="${next.rated}"]`) || why).focus();
        shown = key;
      }
      if (host.parentNode !== block) block.append(host);
      if (popover) popover(false);
    },
  };
}
