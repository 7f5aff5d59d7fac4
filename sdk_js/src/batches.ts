// How queued events become requests: at most 100 events and under 64 KiB each; and retry delays.

import type { EventsRequest, QueuedEvent } from "./types.js";

export const MAX_EVENTS_PER_REQUEST = 100; // the server's limit
export const MAX_BODY_BYTES = 60 * 1024; // the server refuses over 64 KiB; keep a margin
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 60_000;

export interface Envelope {
  site: string;
  visitor: string | null;
}

export function payload(envelope: Envelope, events: QueuedEvent[]): string {
  const request: EventsRequest = { site: envelope.site, visitor: envelope.visitor, events };
  return JSON.stringify(request);
}

/** Split events, in order, into request bodies within both limits. */
export function splitBatches(
  envelope: Envelope,
  events: QueuedEvent[],
  maxEvents = MAX_EVENTS_PER_REQUEST,
  maxBytes = MAX_BODY_BYTES,
): QueuedEvent[][] {
  const batches: QueuedEvent[][] = [];
  const empty = byteLength(payload(envelope, []));
  let current: QueuedEvent[] = [];
  let size = empty;
  for (const event of events) {
    const bytes = byteLength(JSON.stringify(event));
    if (current.length && (current.length >= maxEvents || size + 1 + bytes > maxBytes)) {
      batches.push(current);
      current = [];
      size = empty;
    }
    size += bytes + (current.length ? 1 : 0); // 1: the comma between events
    current.push(event);
  }
  if (current.length) batches.push(current);
  return batches;
}

/** Exponential backoff with jitter: attempt 1 waits 0.5..1 s, doubling up to 30..60 s. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function byteLength(text: string): number {
  if (!ATTUNE_ANYWHERE || typeof TextEncoder === "function") return new TextEncoder().encode(text).length;
  return unescape(encodeURIComponent(text)).length;
}
