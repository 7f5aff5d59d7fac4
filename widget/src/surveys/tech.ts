// The page's technical context for answers and ratings: navigation TTFB, LCP, an INP approximation (the
// longest interaction seen so far: INP proper is a high percentile over all interactions, which for
// the few interactions before a survey answer is about the longest), the JS errors the core counted
// since it started, and how long the last decide request took (from Resource Timing). Buffered
// observers see what happened before this chunk loaded.

import type { TechContext } from "@attune/sdk";
import type { Connection } from "../connection";

const MAX_MS = 600_000; // the server's limit: longer is not a page timing

export function measureTech(connection: Connection): () => TechContext {
  let lcp: number | undefined;
  let inp: number | undefined;
  const observe = (type: string, seen: (entry: PerformanceEntry & { interactionId?: number }) => void) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(seen)).observe({ type, buffered: true, durationThreshold: 16 } as PerformanceObserverInit);
    } catch {
      // this browser does not report it: left out
    }
  };
  observe("largest-contentful-paint", (entry) => (lcp = entry.startTime));
  observe("event", (entry) => entry.interactionId && (inp = Math.max(inp || 0, entry.duration)));
  const ms = (value?: number) => (value! > 0 ? Math.round(Math.min(value!, MAX_MS)) : undefined);
  const last = (type: string, match = "") => performance.getEntriesByType(type).filter((entry) => entry.name.indexOf(match) >= 0).pop();
  return () => {
    const navigation = last("navigation") as PerformanceNavigationTiming | undefined;
    const decide = last("resource", "/v1/decide");
    return {
      ttfb_ms: ms(navigation && navigation.responseStart),
      lcp_ms: ms(lcp),
      inp_ms: ms(inp),
      decide_ms: ms(decide && decide.duration),
      js_errors: Math.min(connection.jsErrors, 10_000),
    };
  };
}
