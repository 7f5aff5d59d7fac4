// @attune/sdk: the browser client for Attune. Named exports only; nothing runs at import.

export { createClient } from "./client.js";
export { isRatedDown } from "./ratings.js";
export type {
  AttuneClient,
  ClientOptions,
  ConsentMode,
  ConsentState,
  Context,
  ContextValue,
  DecideAnswer,
  Decision,
  EventType,
  Explain,
  Factor,
  FeedbackKind,
  QueuedEvent,
  RequestError,
  TrackedEvent,
} from "./types.js";
