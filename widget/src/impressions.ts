// A block counts as seen when at least half of it stays in the viewport, with the page visible,
// for one continuous second. Each watched element reports at most once until watched again.

export interface Impressions {
  /** Start over for this element (a new decision is shown in it). */
  watch(element: Element): void;
  unwatch(element: Element): void;
}

export function createImpressions(seen: (element: Element) => void): Impressions {
  const timers = new Map<Element, ReturnType<typeof setTimeout>>();
  const inView = new Set<Element>();

  const start = (element: Element) =>
    timers.has(element) || document.hidden || timers.set(element, setTimeout(() => {
      unwatch(element);
      seen(element);
    }, 1000));
  const stop = (element: Element) => {
    clearTimeout(timers.get(element));
    timers.delete(element);
  };
  const unwatch = (element: Element) => {
    stop(element);
    inView.delete(element);
    observer.unobserve(element);
  };

  const observer = new IntersectionObserver((entries) => entries.forEach(({ target, intersectionRatio }) => {
    // a hair under the threshold still counts: ratios are rounded at the boundary (a ratio above 0 intersects)
    if (intersectionRatio > 0.49) {
      inView.add(target);
      start(target);
    } else {
      inView.delete(target);
      stop(target);
    }
  }), { threshold: [0, 0.5, 1] });

  addEventListener("visibilitychange", () => inView.forEach(document.hidden ? stop : start)); // a hidden tab is not seen

  return {
    watch(element) {
      unwatch(element);
      observer.observe(element); // the first callback tells where it is now
    },
    unwatch,
  };
}
