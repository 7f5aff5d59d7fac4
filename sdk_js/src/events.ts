// Checking events where they are made, so one bad event never gets a whole batch refused (400).

import type { QueuedEvent, TrackedEvent } from "./types.js";
import { randomId } from "./ids.js";

export const EVENT_TYPES = ["impression", "click", "rating", "dismiss", "survey_response", "timing", "error",
  "survey_shown", "survey_dismissed", "survey_answer", "track"];
const NEEDS_DECISION = ["impression", "click", "rating", "dismiss"];
const RATINGS = [-1, 1, 2, 3, 4, 5]; // thumbs -1/1, or 1..5 stars
const EVENT_ID = /^[A-Za-z0-9_-]{8,64}$/;
const IDENTIFIER = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TEXT = 2000;

/** The event as sent, with a fresh id and timestamp; throws a TypeError on what the server would refuse. */
export function makeEvent(event: TrackedEvent): QueuedEvent {
  if (ATTUNE_CHECKS) check(event);
  return { ...event, id: randomId(), ts: Date.now() }; // fields left undefined are not sent (JSON)
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
  const needs = (field: "survey" | "question" | "name") => {
    if (!IDENTIFIER.test(`${event[field]}`)) throw new TypeError(`attune: a '${event.type}' event needs its ${field} (letters, digits, _ or -)`);
  };
  if (/^survey_(shown|dismissed|answer)$/.test(event.type)) needs("survey");
  if (event.type === "track") needs("name");
  if (event.type === "survey_answer") {
    needs("question");
    const given = [event.value, event.choices, event.text].filter((answer) => answer != null).length;
    if (given !== 1) throw new TypeError("attune: a survey answer has exactly one of value, choices or text");
  }
  if (event.choices != null && (!Array.isArray(event.choices) || event.choices.length > 20 || !event.choices.every((id) => IDENTIFIER.test(id)))) {
    throw new TypeError("attune: choices must be a list of at most 20 choice ids");
  }
  if (event.text != null && (typeof event.text !== "string" || event.text.length > MAX_TEXT)) {
    throw new TypeError(`attune: text must be a string of at most ${MAX_TEXT} characters`);
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
