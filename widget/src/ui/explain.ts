// A decision's explanation in the page's language: its reason code as a sentence, its factors from their
// field/value pairs. Whatever came from the site or the visitor (values, labels, rule names) sits in a
// <bdi>, so a right-to-left page keeps its punctuation where it belongs.

import type { Explain, Factor } from "@attune/sdk";
import { h } from "../dom";
import { builtIn, pageLanguage, type Texts } from "./texts";

type Said = (Node | string)[];
type Field = Factor["fields"][number];

/** A template with {name} slots filled by nodes; unknown slots stay as written. */
function fillNodes(template: string, values: Record<string, Node | string>): Said {
  return template.split(/\{(\w+)\}/).map((part, at) => (at % 2 ? values[part] || `{${part}}` : part));
}

const isolated = (text: string) => h("bdi", null, text);

/** A language or country code by its name in the page's language; the code itself where the browser has none. */
function named(type: "language" | "region", code: string): string {
  try {
    return new Intl.DisplayNames([pageLanguage()], { type }).of(type === "region" ? code.toUpperCase() : code) || code;
  } catch {
    return code; // not a code the browser knows
  }
}

/** The reason as a sentence; a reason this chunk does not know yet is said by the server's summary. */
export function reasonSaid(explain: Explain, t: Texts): Said {
  const first = explain.factors[0];
  const code = explain.reason === "model" && (!first || first.feature === "bias") ? "most" : explain.reason;
  const template = (t as Record<string, string>)[`reason_${code}`];
  return template ? fillNodes(template, { rule: isolated(explain.rule || "") }) : [explain.summary];
}

/** Each factor but the bias (the reason already says "most visitors"), each field=value once, in words. */
export function factorsSaid(explain: Explain, t: Texts): Said[] {
  const texts = t as Record<string, string>;
  const shipped = builtIn();
  const valueSaid = ({ field, value, label }: Field): Said => {
    const key = `${field}=${value}`;
    const ownWords = key in texts && texts[key] !== shipped[key]; // the site's texts for this language
    if (key in texts && (ownWords || !label)) return [texts[key]];
    if (label) return [isolated(label)];
    if (/^interest_/.test(field) && value === "true") return fillNodes(t.interest, { value: isolated(field.slice(9).replace(/_/g, " ")) });
    const shown = field === "language" ? named("language", value) : field === "country" ? named("region", value) : value;
    return fillNodes(texts[`field_${field}`] || t.field, { field: isolated(field.replace(/_/g, " ")), value: isolated(shown) });
  };
  return explain.factors.filter((factor) => factor.feature !== "bias").map((factor) => {
    const parts = (factor.fields || []).map(valueSaid); // an older server sends only the English label
    return !parts.length ? [factor.label] : parts.reduce((a, b) => fillNodes(t.both, { a: span(a), b: span(b) }));
  });
}

/** Several nodes as one slot of a template. */
function span(said: Said): Node {
  const holder = h("span");
  holder.append(...said);
  return holder;
}
