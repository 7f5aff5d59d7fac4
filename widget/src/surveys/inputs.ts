// One question's input, with visible labels: scales (NPS 0–10, CSAT 1–5, CES 1–7) and thumbs as native
// radio groups (arrow keys move and choose), single choice as radios, multiple choice as checkboxes,
// open text as a textarea of at most 2,000 characters with a counter. Each group is a fieldset whose
// legend is the question.

import type { SurveyQuestion } from "@attune/sdk";
import { h } from "../dom";
import type { english } from "./texts";

export type Answer = { value: number } | { choices: string[] } | { text: string };

export interface Input {
  node: HTMLElement;
  /** The answer given, or undefined for none. */
  answer(): Answer | undefined;
  /** Where focus goes when the question shows. */
  first: HTMLElement;
}

const MAX_TEXT = 2000;
const SCALES: Record<string, number[]> = { nps: [0, 10], csat: [1, 5], ces: [1, 7] };

export function questionInput(question: SurveyQuestion, t: typeof english, name: string): Input {
  const { type, text } = question;
  if (type === "text") {
    const area = h("textarea", { id: name, maxlength: `${MAX_TEXT}`, rows: "3", "aria-describedby": `${name}-count` });
    const count = h("span", { id: `${name}-count`, class: "count" }, `0/${MAX_TEXT}`);
    area.oninput = () => (count.textContent = `${area.value.length}/${MAX_TEXT}`);
    return {
      node: h("div", null, h("label", { for: name, class: "legend" }, text), area, count),
      answer: () => (area.value ? { text: area.value } : undefined),
      first: area,
    };
  }
  const many = type === "multiple";
  const scale = SCALES[type];
  // [value, visible label, spoken label]
  const options: [string, string, string?][] = scale
    ? Array.from({ length: scale[1] - scale[0] + 1 }, (_, at) => [`${scale[0] + at}`, `${scale[0] + at}`])
    : type === "thumbs" ? [["1", "👍", t.survey_yes], ["-1", "👎", t.survey_no]]
    : question.choices.map((choice) => [choice.id, choice.label]);
  const inputs = options.map(([value, , said]) => {
    const input = h("input", { type: many ? "checkbox" : "radio", name, value });
    if (said) input.setAttribute("aria-label", said);
    return input;
  });
  const group = h("fieldset", { class: scale || type === "thumbs" ? "scale" : "list" }, h("legend", null, text),
    ...inputs.map((input, at) => h("label", null, input, h("span", null, options[at][1]))));
  if (type === "nps") {
    // the ends in words under the scale, and said with its first and last number
    group.append(h("div", { class: "ends", "aria-hidden": "true" }, h("span", null, t.survey_low), h("span", null, t.survey_high)));
    inputs[0].setAttribute("aria-label", `0, ${t.survey_low}`);
    inputs[10].setAttribute("aria-label", `10, ${t.survey_high}`);
  }
  const chosen = () => inputs.filter((input) => input.checked).map((input) => input.value);
  return {
    node: group,
    answer() {
      const picked = chosen();
      if (!picked.length) return undefined;
      return many || type === "single" ? { choices: picked } : { value: Number(picked[0]) };
    },
    first: inputs[0],
  };
}
