// The survey card: non-modal, in the page's own DOM (no Shadow DOM, so a site themes it with CSS custom
// properties, ./styles.ts), in the bottom inline-end corner or inline in the site's [data-attune-survey]
// element. One question at a time; each answer is sent as it is given, then `next` branches. Keyboard:
// Tab reaches everything, arrow keys choose within a group, Enter submits, Escape dismisses. Focus is not
// trapped: it moves into a corner card only if nothing else had it, and goes back when the card closes.

import type { Survey, SurveyBranch, SurveyQuestion } from "@attune/sdk";
import { h } from "../dom";
import { questionInput, type Answer } from "./inputs";
import type { english } from "./texts";

export interface Answers {
  answered(question: SurveyQuestion, answer: Answer): void;
  dismissed(): void;
}

const THANKS_MS = 4000;

const holds = (branch: SurveyBranch, given: unknown) =>
  (branch.lte == null || (given as number) <= branch.lte) && (branch.gte == null || (given as number) >= branch.gte) &&
  (branch.eq == null || given === branch.eq) && (!branch.in || branch.in.indexOf(given as string) >= 0);

/** The question after `at` given this answer: the first branch that holds, else the following one; -1 ends. */
function following(questions: SurveyQuestion[], at: number, answer?: Answer): number {
  const given = answer && ("value" in answer ? [answer.value] : "choices" in answer ? answer.choices : [answer.text]);
  const branch = questions[at].next.filter((b) => (given || [undefined]).some((one) => holds(b, one)))[0];
  if (!branch) return at + 1 < questions.length ? at + 1 : -1;
  const to = questions.map((question) => question.id).indexOf(branch.to);
  return to > at ? to : branch.to === "end" || at + 1 >= questions.length ? -1 : at + 1;
}

export function showCard(survey: Survey, questions: SurveyQuestion[], t: typeof english, place: Element, answers: Answers): () => void {
  const corner = place === document.body;
  const form = h("form");
  const status = h("p", { role: "status" });
  const card = h("section", { class: "attune-survey", "aria-label": t.survey, dir: getComputedStyle(place).direction },
    form, status);
  if (!corner) card.setAttribute("data-inline", "");
  const before = document.activeElement as HTMLElement | null;
  const moveFocus = corner && (!before || before === document.body);
  let at = 0;
  let input: ReturnType<typeof questionInput>;

  const close = () => {
    card.remove();
    if (moveFocus && card.contains(document.activeElement) && before) before.focus();
  };
  const dismiss = () => {
    answers.dismissed();
    close();
  };

  function render(focus: boolean): void {
    const question = questions[at];
    input = questionInput(question, t, `attune-${survey.id}-${question.id}`);
    const done = h("button", { class: "submit" }, following(questions, at, undefined) < 0 && at === questions.length - 1 ? t.survey_submit : t.survey_next);
    const away = h("button", { type: "button" }, t.survey_dismiss);
    away.onclick = dismiss;
    form.replaceChildren(input.node, h("div", { class: "actions" }, away, done));
    if (focus) input.first.focus();
  }

  form.onsubmit = (event) => {
    event.preventDefault();
    const question = questions[at];
    const answer = input.answer();
    if (!answer && !question.optional) return input.first.focus();
    if (answer) answers.answered(question, answer);
    at = following(questions, at, answer);
    if (at >= 0) return render(true);
    form.remove();
    status.textContent = t.survey_thanks;
    status.tabIndex = -1;
    if (card.contains(document.activeElement) || moveFocus) status.focus();
    setTimeout(close, THANKS_MS);
  };
  card.onkeydown = (event) => {
    if (event.key === "Escape") dismiss();
    // Enter on a choice submits, as in a text field; in the textarea it is a new line, on a button a click
    else if (event.key === "Enter" && (event.target as HTMLInputElement).type in { radio: 1, checkbox: 1 }) {
      event.preventDefault();
      (form.querySelector(".submit") as HTMLElement).click();
    }
  };

  render(false);
  if (corner) place.append(card);
  else place.replaceChildren(card);
  if (moveFocus) input!.first.focus({ preventScroll: true });
  return close;
}
