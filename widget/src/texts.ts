// The core's own strings, in English; a site overrides any text (these and the preference chunk's) for
// its language with attune.push(["texts", {...}]) or a data-texts='{"why": "…"}' attribute on the script tag.

export const texts = {
  why: "Why am I seeing this?", // the button on each block, and the heading of its dialog
  rate: "Rate this content",
  up: "Relevant",
  down: "Not relevant",
  stars: "{n} of 5 stars",
  usual: "This is the usual content.", // after a rating down, in place of the rating control
};

/** Every override pushed so far, for the chunk's texts too: they win over the site's configured texts. */
export const overrides: Record<string, string> = {};

/** Merge overrides: only strings. */
export function setTexts(more: Record<string, unknown>): void {
  for (const key in more) {
    const text = more[key];
    if (typeof text === "string") overrides[key] = (texts as Record<string, string>)[key] = text;
  }
}
