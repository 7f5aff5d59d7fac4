// POST /v1/surveys/eligible: the surveys this visitor may be asked now, with their questions in the page's
// language, and the interrupt budget (server/surveys/schemas.py). The widget's survey chunk asks it once
// per page; without a visitor id (no consent) the answer is an empty list.
//   const { surveys, budget } = await eligibleSurveys({endpoint, site}, {visitor, context: {page: "/"}, language: "de"})

import { call, type PrivacyOptions } from "./privacy.js";
import type { Context, Sent, Wire } from "./types.js";

export type QuestionType = Survey["questions"][number]["type"];
/** After an answer, go `to` a later question's id (or "end") when every condition given holds. */
export type SurveyBranch = Wire["BranchOut"];
/** A question in the page's language; `profile`: its answer becomes a visitor trait (ask only with personalization and feedback consent). */
export type SurveyQuestion = Sent<Wire["QuestionOut"]>;
/** Any one that is set fires the survey; none set: on page load. */
export type SurveyTrigger = Wire["TriggerOut"];
export type Survey = Sent<Wire["SurveyOut"]>;
/** The surveys this visitor may be asked now, one budget for all of them, and the server's count of this session's prompts. */
export type EligibleSurveys = Sent<Wire["SurveysEligible"]>;

export interface EligibleQuestion {
  visitor: string | null;
  context?: Context;
  traits?: Context;
  language?: string;
}

export const eligibleSurveys = (options: PrivacyOptions, question: EligibleQuestion) =>
  call<EligibleSurveys>(options, "/v1/surveys/eligible", question);
