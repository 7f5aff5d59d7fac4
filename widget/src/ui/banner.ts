// The consent banner: a region at the foot of the page, not modal, with "Accept all" and "Reject all"
// equally prominent (same size, same look, side by side) and "Settings" for the preference center.
// It goes away once the visitor (or a consent platform) has answered.

import { h } from "../dom";
import type { Core as Host } from "./host";
import { direction, ownRoot } from "./kit";
import type { Texts } from "./texts";

export function showBanner(host: Host, t: Texts, center: (opener: Element) => void): void {
  const root = ownRoot();
  if (root.querySelector(".banner")) return;
  const all = (on: boolean) => ({ personalization: on, feedback: on, measurement: on });
  const accept = h("button", null, t.accept);
  const reject = h("button", null, t.reject);
  const choose = h("button", null, t.choose);
  const banner = h("section", { class: "banner", "aria-label": t.settings, dir: direction() },
    h("p", null, t.banner), accept, reject, choose);
  accept.onclick = () => host.answer(all(true), "banner");
  reject.onclick = () => host.answer(all(false), "banner");
  choose.onclick = () => center(choose);
  const gone = () => host.state().decided && banner.remove();
  host.onConsent(gone);
  root.append(banner);
}
