// attune-surveys.js, the widget's survey chunk. The core loads it when the site has surveys or the page
// marks a place for one, and only while feedback consent allows (nothing of it runs before consent on an
// opt-in site). It asks which surveys this visitor may be asked now, arms their triggers, and shows at most
// one per page and no more than the interrupt budget's per_session (counted in sessionStorage while
// storage consent allows, with the server's count: the server also keeps gap_days and recontact).
// Events: survey_shown, survey_dismissed, survey_answer (with the page and its technical context).

import type { EligibleSurveys, TrackedEvent } from "@attune/sdk";
import { catalogue, pageLanguage } from "../catalogue";
import type { AttuneGlobal } from "../commands";
import { read, write } from "../connection";
import { warn } from "../dom";
import type { Host } from "../host";
import { showCard } from "./card";
import { adoptSurveySheet } from "./styles";
import { measureTech } from "./tech";
import { textsFor } from "./texts";
import { arm } from "./triggers";

const SESSION_KEY = "attune:surveys"; // this session's page views, prompts, and the surveys shown in it

function startSurveys({ config, connection, overrides }: Host): void {
  const client = () => connection.client();
  const consent = () => connection.consent.get();
  const tech = (connection.measure = measureTech(connection));
  let session = { views: 0, prompts: 0, shown: [] as string[] };
  try {
    if (consent().storage) session = { ...session, ...JSON.parse(read(sessionStorage, SESSION_KEY) || "{}") };
  } catch {
    // not ours, or not JSON: a new session
  }
  const save = () => consent().storage && write(sessionStorage, SESSION_KEY, JSON.stringify(session));
  session.views++;
  save();
  let close: (() => void) | undefined; // the card on show; one a page
  const send = (event: Omit<TrackedEvent, "page">) => {
    client().track({ ...event, page: location.pathname });
    void client().flush(); // now: the next page's eligibility must know
  };
  connection.onConsent(() => !consent().feedback && close && close()); // withdrawn: the card goes, unanswered

  // POST /v1/surveys/eligible (the SDK's eligibleSurveys; a plain fetch here, which the chunk's budget affords)
  const eligible = fetch(`${config.endpoint}/v1/surveys/eligible`, {
    method: "POST",
    credentials: "omit",
    body: JSON.stringify({
      site: config.site,
      visitor: client().visitorId(),
      context: connection.lastContext || { page: location.pathname },
      language: pageLanguage(),
    }),
  }).then((reply) => (reply.ok ? reply.json() : Promise.reject(Error(`surveys: HTTP ${reply.status}`))));
  Promise.all([eligible, catalogue(config.chunk)]).then(([{ surveys, budget, prompted_this_session }, shipped]: [EligibleSurveys, Record<string, string>]) => {
    const listeners = surveys.map((survey) => arm(survey.trigger, session.views, () => {
      // profile questions only with personalization too: their answers become traits
      const questions = survey.questions.filter((question) => !question.profile || consent().personalization);
      const place = survey.placement === "inline" ? document.querySelector(`[data-attune-survey="${survey.id}"]`) : document.body;
      if (close || !place || !questions.length || !consent().feedback || session.shown.indexOf(survey.id) >= 0 ||
        Math.max(session.prompts, prompted_this_session) >= budget.per_session) return;
      session.prompts++;
      session.shown.push(survey.id);
      save();
      send({ type: "survey_shown", survey: survey.id });
      adoptSurveySheet();
      close = showCard(survey, questions, textsFor(shipped, overrides), place, {
        answered: (question, answer) => send({ type: "survey_answer", survey: survey.id, question: question.id, ...answer, tech: tech(),
          language: document.documentElement.lang || undefined }), // sentiment is scored only for covered languages
        dismissed: () => send({ type: "survey_dismissed", survey: survey.id }),
      });
    }));
    // tracked events and thumbs-downs: those of this page so far, then each as it comes
    const heard = (signal: string) => listeners.forEach((listener) => listener(signal));
    connection.signals.forEach(heard);
    connection.signals.push = (...signals: string[]) => (signals.forEach(heard), 0);
  }, warn);
}

const queue = (window.attune = window.attune || []) as AttuneGlobal | unknown[];
queue.push(["surveys.attach", startSurveys]);
