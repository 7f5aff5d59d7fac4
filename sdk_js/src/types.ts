// The SDK's public types. What crosses the wire comes from src/wire.ts, generated from the contract
// the server serves (docs/openapi.json); the rest is the SDK's own API.

import type { components } from "./wire.js";

export type Wire = components["schemas"];
/** A type as the server writes it: msgspec writes every field, defaults included, so none is missing. */
export type Sent<T> = T extends (infer Item)[] ? Sent<Item>[] : T extends object ? { [K in keyof T]-?: Sent<T[K]> } : T;

/** The site's consent hints on every decide answer: banner, where consent is read from, the policy version. */
export type PrivacyHints = Sent<Wire["PrivacyHints"]>;

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

/** The page's technical context sent with survey answers and ratings (what the browser reports): ttfb_ms,
 * lcp_ms, inp_ms (the widget sends the longest interaction so far, an approximation of INP), decide_ms, js_errors. */
export type TechContext = { [K in keyof Wire["Tech"]]?: NonNullable<Wire["Tech"][K]> };

export interface TrackedEvent {
  type: EventType;
  decision_id?: string;
  value?: number;
  /** survey_shown, survey_dismissed and survey_answer: the survey's id; survey_answer: the question's id. */
  survey?: string;
  question?: string;
  /** A survey answer is exactly one of value (a scale or thumbs), choices (choice ids) or text (<= 2000 chars). */
  choices?: string[];
  text?: string;
  /** track: the tracked event's name, attune.push(["track", "checkout_completed"]). */
  name?: string;
  /** location.pathname where it happened. */
  page?: string;
  tech?: TechContext;
  /** survey_answer (and ratings): the page's language, so sentiment is scored only where it is covered. */
  language?: string;
}

/** An event as sent: the client makes its id, so a retry is never counted twice. */
export interface QueuedEvent extends TrackedEvent {
  id: string;
  ts: number;
}

export interface ConsentState {
  /** May Attune keep a visitor id (with personalization or feedback), its answer and queued events on this device? */
  storage: boolean;
  /** May decisions use what is known about the visitor (off: the non-profiled experience)? */
  personalization: boolean;
  /** May ratings and survey answers be sent (linked to the visitor only while a visitor id is allowed)? */
  feedback: boolean;
  /** May impressions, clicks, dismissals and timings be sent? */
  measurement: boolean;
  /** Has the visitor answered (granted or denied) yet? */
  decided: boolean;
}

/** The three consent categories, as consent receipts carry them. */
export type Categories = Wire["Categories"];

/** A change of consent: what is not named stays, and storage follows the categories unless named. */
export type ConsentChange = Partial<Omit<ConsentState, "decided">>;

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
  /** A rating of a decision, with the page's technical context if given. */
  rate(decisionId: string, value: number, tech?: TechContext): void;
  identify(traits: Context): void;
  flush(options?: { beacon?: boolean }): Promise<void>;
  consent: {
    get(): ConsentState;
    set(change: ConsentChange): void;
    subscribe(listener: (state: ConsentState) => void): () => void;
    /** Personalization is off because of Global Privacy Control (the browser's flag or its header), not an answer. */
    gpc(): boolean;
    /** Has the visitor answered on this site (now, or remembered)? */
    answered(): boolean;
  };
  /** The visitor id (made on first use while consent allows one, unless make is false), or null. */
  visitorId(make?: boolean): string | null;
  /** After an erasure: forget everything on this device and start as a new visitor (the site's defaults). */
  forget(): void;
  /** Remove page listeners and timers (an SPA that re-creates its client); queued events stay queued. */
  close?(): void;
}

/** How `decide` rejects: `status` is the HTTP status, or null for a timeout or network failure. */
export interface RequestError extends Error {
  status: number | null;
}
