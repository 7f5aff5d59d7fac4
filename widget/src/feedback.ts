// The inline rating control: thumbs (+1 / -1) or 1–5 stars, a labelled group of toggle buttons.

import type { FeedbackKind } from "@attune/sdk";
import { h } from "./dom";
import { texts } from "./texts";

export function ratingControl(kind: Exclude<FeedbackKind, null>, rated: number | null, rate: (value: number) => void): HTMLElement {
  const stars = kind === "stars";
  const group = h("span", { role: "group", "aria-label": texts.rate });
  (stars ? [1, 2, 3, 4, 5] : [1, -1]).forEach((value) => {
    const button = h("button", {
      "aria-label": stars ? texts.stars.replace("{n}", `${value}`) : value > 0 ? texts.up : texts.down,
      "aria-pressed": `${rated === value}`,
      "data-value": `${value}`,
      "aria-disabled": `${rated !== null}`, // one rating per decision; stays focusable
    }, stars ? (value <= rated! ? "★" : "☆") : value > 0 ? "👍" : "👎");
    button.onclick = () => rated === null && rate(value);
    group.append(button);
  });
  return group;
}
