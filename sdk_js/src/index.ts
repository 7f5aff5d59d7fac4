// @attune/sdk: the browser client for Attune. Named exports only; nothing runs at import.

export { createClient } from "./client.js";
export { isRatedDown } from "./ratings.js";
export { privacySettings, recordConsent, sendConsent, visitorRights } from "./privacy.js";
export { eligibleSurveys } from "./surveys.js";
export type { EligibleQuestion, EligibleSurveys, QuestionType, Survey, SurveyBranch, SurveyQuestion, SurveyTrigger } from "./surveys.js";
export type {
  ConsentAnswer,
  ConsentRecord,
  ConsentSource,
  ErasureCounts,
  Export,
  PrivacyOptions,
  PrivacySettings,
  Profile,
  RatingRecord,
  VisitorRights,
} from "./privacy.js";
export type {
  AttuneClient,
  Categories,
  ClientOptions,
  ConsentChange,
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
  PrivacyHints,
  QueuedEvent,
  RequestError,
  TechContext,
  TrackedEvent,
} from "./types.js";
