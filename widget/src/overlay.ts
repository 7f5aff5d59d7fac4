// Each decided block's own UI: a small bar in its corner (rating control, "Why am I seeing this?")
// in an open shadow root, absolutely positioned so the block's content never moves.

import type { Decision } from "@attune/sdk";
import type { Connection } from "./connection";
import { h, label } from "./dom";
import { ratingControl } from "./feedback";
import { createPopover } from "./popover";
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

export function createOverlay(block: HTMLElement, connection: Connection, rate: (value: number) => void): Overlay {
  const host = document.createElement("attune-ui");
  const root = host.attachShadow({ mode: "open" });
  const slot = h("span");
  const why = h("button", { class: "why", "aria-haspopup": "dialog" });
  let view: BlockView;
  let shown = "";
  let popover: ((open: boolean) => void) | undefined;
  adoptUiSheet(root);
  root.append(h("div", { class: "bar" }, slot, why));

  why.onclick = () => {
    popover = popover || createPopover(root, why, () => {
      const explain = view.decision!.explain;
      return {
        summary: view.ratedDown ? texts.hidden : explain.summary,
        factors: view.ratedDown ? [] : explain.factors.map((factor) => factor.label),
        personalized: connection.personalized(),
      };
    }, () => {
      connection.consent.set({ personalization: !connection.personalized() }); // then blocks are decided again
      popover!(false);
    });
    popover(true);
  };

  return {
    host,
    update(next) {
      view = next;
      const decision = next.decision!;
      const kind = next.swapped ? decision.feedback : null;
      const key = kind ? decision.decision_id + next.rated : "";
      label(why, texts.why);
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
