// The SDK's public types: the v1 wire contract (see ../shared/DESIGN.md) as the browser sees it.

export type ContextValue = string | number | boolean;
export type Context = Record<string, ContextValue>;

export type FeedbackKind = "thumbs" | "stars" | null;

export interface Factor {
  feature: string;
  label: string;
  weight: number;
}

export interface Explain {
  reason: "model" | "exploration" | "rule" | "holdout" | "disabled" | "personalization_off" | "split" | "only_option";
  summary: string;
  policy: string;
  explored: boolean;
  rule: string | null;
  factors: Factor[];
}

export interface Decision {
  block: string;
  decision_id: string;
  variant: string;
  content: Record<string, string>;
  propensity: number;
  explain: Explain;
  feedback: FeedbackKind;
}

export type EventType = "impression" | "click" | "rating" | "dismiss" | "survey_response" | "timing" | "error";

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

export type ConsentMode = "opt-in" | "opt-out" | "none";

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
  decide(blocks: string[], context?: Context): Promise<Decision[]>;
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
