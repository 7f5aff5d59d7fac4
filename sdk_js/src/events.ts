// Checking events where they are made, so one bad event never gets a whole batch refused (400).

import type { QueuedEvent, TrackedEvent } from "./types.js";
import { randomId } from "./ids.js";

export const EVENT_TYPES = ["impression", "click", "rating", "dismiss", "survey_response", "timing", "error"];
const NEEDS_DECISION = ["impression", "click", "rating", "dismiss"];
const RATINGS = [-1, 1, 2, 3, 4, 5]; // thumbs -1/1, or 1..5 stars
const EVENT_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** The event as sent, with a fresh id and timestamp; throws a TypeError on what the server would refuse. */
export function makeEvent(event: TrackedEvent): QueuedEvent {
  if (ATTUNE_CHECKS) check(event);
  const made: QueuedEvent = { id: randomId(), type: event.type, ts: Date.now() };
  if (event.decision_id != null) made.decision_id = event.decision_id;
  if (event.value != null) made.value = event.value;
  return made;
}

function check(event: TrackedEvent): void {
  if (!event || EVENT_TYPES.indexOf(event.type) < 0) {
    throw new TypeError(`attune: event type must be one of ${EVENT_TYPES.join(", ")}`);
  }
  if (event.decision_id != null) {
    if (typeof event.decision_id !== "string" || event.decision_id.length < 1 || event.decision_id.length > 64) {
      throw new TypeError("attune: decision_id must be a string of 1 to 64 characters");
    }
  } else if (NEEDS_DECISION.indexOf(event.type) >= 0) {
    throw new TypeError(`attune: a '${event.type}' event needs its decision_id`);
  }
  if (event.type === "rating" && RATINGS.indexOf(event.value as number) < 0) {
    throw new RangeError("attune: a rating is -1 or 1 (thumbs) or 1 to 5 (stars)");
  }
  if (event.value != null && (typeof event.value !== "number" || !Number.isFinite(event.value))) {
    throw new TypeError("attune: event value must be a finite number");
  }
}

/** A queued event read back from storage, where anything may have been written. */
export function isQueuedEvent(value: unknown): value is QueuedEvent {
  const event = value as QueuedEvent;
  return (
    !!event &&
    typeof event.id === "string" &&
    EVENT_ID.test(event.id) &&
    EVENT_TYPES.indexOf(event.type) >= 0 &&
    typeof event.ts === "number"
  );
}
