// Notice when blocks may need a decision: blocks added later (MutationObserver) and single-page-app
// navigation (history.pushState / replaceState, popstate). A removed block needs nothing: its
// IntersectionObserver reports it out of view, which stops its impression clock.

export const BLOCK = "[data-attune-block]";

export function watchPage(changed: () => void): void {
  new MutationObserver((records) => {
    if (records.some((record) => record.type === "attributes" || [...record.addedNodes].some((node) =>
      node instanceof Element && (node.matches(BLOCK) || !!node.querySelector(BLOCK))))) changed();
  }).observe(document, { childList: true, subtree: true, attributeFilter: ["data-attune-block"] });

  (["pushState", "replaceState"] as const).forEach((name) => {
    const original = history[name];
    history[name] = function (this: History, ...args: Parameters<History["pushState"]>) {
      original.apply(this, args);
      changed(); // only blocks last asked for another path are asked again
    };
  });
  addEventListener("popstate", changed);
}
