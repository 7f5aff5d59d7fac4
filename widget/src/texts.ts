// Every string the widget shows, in English; a site overrides any of them for its language with
// attune.push(["texts", {...}]) or a data-texts='{"why": "…"}' attribute on the script tag.

export const texts = {
  why: "Why am I seeing this?", // the button on each block, and the heading of its popover
  factors: "Based on:",
  off: "Turn off personalization",
  on: "Turn personalization back on",
  hidden: "You rated it not relevant: this is the usual content.",
  close: "Close",
  rate: "Rate this content",
  up: "Relevant",
  down: "Not relevant",
  stars: "{n} of 5 stars",
};

/** Merge overrides into the texts: only known keys, only strings. */
export function setTexts(overrides: Record<string, unknown>): void {
  for (const key in texts) {
    const text = overrides && overrides[key];
    if (typeof text === "string") texts[key as keyof typeof texts] = text;
  }
}
