// The SDK's public types. What crosses the wire comes from src/wire.ts, generated from the contract
// the server serves (docs/openapi.json); the rest is the SDK's own API.

import type { components } from "./wire.js";

type Wire = components["schemas"];
/** A type as the server writes it: msgspec writes every field, defaults included, so none is missing. */
type Sent<T> = T extends (infer Item)[] ? Sent<Item>[] : T extends object ? { [K in keyof T]-?: Sent<T[K]> } : T;

export type DecideRequest = Wire["DecideRequest"];
export type EventsRequest = Wire["EventsRequest"];
/** The decide answer: a decision for each block the server could decide, and the site's consent mode. */
export type DecideAnswer = Sent<Wire["DecideResponse"]>;
export type Decision = Sent<Wire["Decision"]>;
export type Explain = Sent<Wire["Explain"]>;
export type Factor = Sent<Wire["Factor"]>;
export type FeedbackKind = Decision["feedback"];
export type ConsentMode = DecideAnswer["consent"];
export type EventType = Wire["EventIn"]["type"];
export type ContextValue = NonNullable<DecideRequest["context"]>[string];
export type Context = Record<string, ContextValue>;

export interface TrackedEvent {
  type: EventType;
  decision_id?: string;
  value?: number;
}

/** An event as sent: the client makes its id, so a retry is never counted twice. */
export interface QueuedEvent extends TrackedEvent {
  id: string;
  ts: number;
}

export interface ConsentState {
  /** May Attune keep a visitor id and queue events on this device, and link events to the visitor? */
  storage: boolean;
  /** May decisions use what is known about the visitor (off: the non-profiled experience)? */
  personalization: boolean;
  /** Has the visitor answered (granted or denied) yet? */
  decided: boolean;
}

export interface ClientOptions {
  endpoint: string;
  site: string;
  consentMode?: ConsentMode; // default "opt-out"
  timeoutMs?: number; // decide request timeout, default 1000
  batchSize?: number; // flush when this many events are queued, default 20
  flushIntervalMs?: number; // or after this long, default 2000
  fetch?: typeof fetch; // for tests
  storage?: Storage | null; // default window.localStorage where it exists
  globalPrivacyControl?: boolean; // default navigator.globalPrivacyControl
}

export interface AttuneClient {
  /** One request for all blocks; resolves to the answer as the server sent it. */
  decide(blocks: string[], context?: Context): Promise<DecideAnswer>;
  track(event: TrackedEvent): void;
  rate(decisionId: string, value: number): void;
  identify(traits: Context): void;
  flush(options?: { beacon?: boolean }): Promise<void>;
  consent: {
    get(): ConsentState;
    set(change: Partial<Pick<ConsentState, "storage" | "personalization">>): void;
    subscribe(listener: (state: ConsentState) => void): () => void;
  };
  /** The visitor id, or null while consent does not allow one. */
  visitorId(): string | null;
  /** Remove page listeners and timers (an SPA that re-creates its client); queued events stay queued. */
  close?(): void;
}

/** How `decide` rejects: `status` is the HTTP status, or null for a timeout or network failure. */
export interface RequestError extends Error {
  status: number | null;
}
