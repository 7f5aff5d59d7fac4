// What a rating means, as the server judges it too (server/feedback/suppression.py, is_rated_down);
// both sides are tested against the same cases, tests/contract/rated_down.json.

import type { FeedbackKind } from "./types.js";

/** Did the visitor rate the variant down: one or two stars, or a thumbs down (feedback "thumbs" or none)? */
export function isRatedDown(feedback: FeedbackKind, value: number): boolean {
  return feedback === "stars" ? value <= 2 : value < 0;
}
