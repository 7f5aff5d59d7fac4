// The event queue: batches by size or time, retries with backoff (same ids, so the server counts a
// retried event once), beacons what is left when the page goes away, and survives a reload in
// localStorage while storage consent allows it (memory only otherwise).

import { backoffDelay, payload, splitBatches, type Envelope } from "./batches.js";
import type { EventGate } from "./consent.js";
import { isQueuedEvent } from "./events.js";
import { QUEUE_KEY, type SafeStore } from "./storage.js";
import { beacon, post, retryAfterMs, retryable } from "./transport.js";
import type { QueuedEvent } from "./types.js";

export const MAX_QUEUED = 500; // a dead server must not grow the queue without bound: oldest go first
export const EVENTS_TIMEOUT_MS = 10_000;

export interface QueueOptions {
  url: string;
  site: string;
  fetch: typeof fetch;
  store: SafeStore;
  batchSize: number;
  flushIntervalMs: number;
  /** send, hold in memory, or drop an event of this type: from the consent mode and state. */
  gate: (type: QueuedEvent["type"]) => EventGate;
  /** May the queue be written to localStorage? */
  persist: () => boolean;
  /** The visitor id to send with a batch, read when it is sent. */
  visitor: () => string | null;
  maxQueued?: number;
  maxBodyBytes?: number;
}

export interface EventQueue {
  push(event: QueuedEvent): void;
  /** Send what is queued now (skipping any backoff wait); resolves once tried, never rejects. */
  flush(): Promise<void>;
  /** Page going away: hand everything to sendBeacon (or a keepalive fetch). */
  flushBeacon(): void;
  /** Consent changed: persist or forget, drop, or send what was held. */
  consentChanged(): void;
  /** Drop everything queued in memory (the visitor's data was erased; consent clears the store). */
  clear(): void;
  close(): void;
}

type Outcome = "done" | "retry";

export function createQueue(options: QueueOptions): EventQueue {
  const { store } = options;
  const maxQueued = options.maxQueued || MAX_QUEUED;
  let pending: QueuedEvent[] = restore();
  let batchTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let chain: Promise<void> = Promise.resolve();
  let waiting: Promise<void> | null = null; // a run queued behind the current one
  let closed = false;

  function restore(): QueuedEvent[] {
    if (!options.persist()) return [];
    try {
      const saved = JSON.parse(store.get(QUEUE_KEY) || "null");
      if (!saved || saved.site !== options.site || !Array.isArray(saved.events)) return [];
      return saved.events.filter(isQueuedEvent).slice(-maxQueued);
    } catch {
      return [];
    }
  }

  function save(): void {
    if (!options.persist()) return;
    if (pending.length) store.set(QUEUE_KEY, JSON.stringify({ site: options.site, events: pending }));
    else store.remove(QUEUE_KEY);
  }

  function forget(sent: QueuedEvent[]): void {
    const ids: Record<string, true> = {};
    sent.forEach((event) => (ids[event.id] = true));
    pending = pending.filter((event) => !ids[event.id]);
    save();
  }

  function envelope(): Envelope {
    return { site: options.site, visitor: options.visitor() };
  }

  const sendable = () => pending.filter((event) => options.gate(event.type) === "send");

  function batches(events: QueuedEvent[]): { events: QueuedEvent[]; body: string }[] {
    const env = envelope();
    return splitBatches(env, events, undefined, options.maxBodyBytes).map((batch) => ({
      events: batch,
      body: payload(env, batch),
    }));
  }

  function clearTimer(timer: ReturnType<typeof setTimeout> | undefined): undefined {
    if (timer !== undefined) clearTimeout(timer);
    return undefined;
  }

  // Batching: send at batchSize, else flushIntervalMs after the first waiting event; not while backing off.
  function schedule(): void {
    const ready = sendable().length;
    if (closed || retryTimer !== undefined || !ready) return;
    if (ready >= options.batchSize) void run();
    else if (batchTimer === undefined) batchTimer = setTimeout(() => void run(), options.flushIntervalMs);
  }

  function run(): Promise<void> {
    batchTimer = clearTimer(batchTimer);
    if (waiting) return waiting;
    const next = chain.then(() => {
      waiting = null;
      return sendPending();
    });
    waiting = next;
    chain = next;
    return next;
  }

  async function sendPending(): Promise<void> {
    try {
      for (const batch of batches(sendable())) {
        if ((await deliver(batch.body)) === "retry") return;
        forget(batch.events); // acknowledged, or refused as bad input that no retry can fix
      }
      attempt = 0;
      schedule(); // what arrived while this run was on the wire
    } catch {
      // never let a failure escape into the host page's unhandled rejections
    }
  }

  async function deliver(body: string): Promise<Outcome> {
    let status: number | null;
    let wait = 0;
    try {
      const reply = await post(options.fetch, options.url, body, EVENTS_TIMEOUT_MS);
      status = reply.status;
      wait = retryAfterMs(reply.retryAfter, Date.now());
    } catch {
      status = null; // network failure or timeout
    }
    if (!retryable(status)) return "done"; // 2xx, or a 4xx that resending the same bytes cannot fix
    attempt += 1;
    batchTimer = clearTimer(batchTimer);
    retryTimer = clearTimer(retryTimer);
    if (!closed) {
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        void run();
      }, Math.max(wait, backoffDelay(attempt)));
    }
    return "retry";
  }

  schedule(); // what a previous page left queued goes out after the first interval

  return {
    push(event) {
      if (options.gate(event.type) === "drop") return;
      pending.push(event);
      if (pending.length > maxQueued) pending.splice(0, pending.length - maxQueued);
      save();
      schedule();
    },
    flush() {
      retryTimer = clearTimer(retryTimer);
      return run();
    },
    flushBeacon() {
      try {
        const ready = sendable();
        if (!ready.length) return;
        batchTimer = clearTimer(batchTimer);
        for (const batch of batches(ready)) {
          if (beacon(options.url, batch.body)) {
            forget(batch.events);
            continue;
          }
          // No beacon, or over its quota: a keepalive fetch; until it is acknowledged the events stay
          // queued (and stored, with consent), so the next page sends them again under the same ids.
          post(options.fetch, options.url, batch.body, EVENTS_TIMEOUT_MS, true).then(
            (reply) => {
              if (!retryable(reply.status)) forget(batch.events);
            },
            () => undefined,
          );
        }
      } catch {
        // page teardown: nothing useful to do with an error here
      }
    },
    consentChanged() {
      pending = pending.filter((event) => options.gate(event.type) !== "drop");
      if (!pending.length) {
        batchTimer = clearTimer(batchTimer);
        retryTimer = clearTimer(retryTimer);
      }
      save();
      if (sendable().length && retryTimer === undefined) void run(); // held until now
    },
    clear() {
      pending = []; // the store is cleared with the consent
    },
    close() {
      closed = true;
      batchTimer = clearTimer(batchTimer);
      retryTimer = clearTimer(retryTimer);
    },
  };
}
