// The survey card's own words, in English; shipped in German, French, Spanish and Arabic too (src/texts/,
// ../catalogue.ts), picked by <html lang>; a site's pushed texts win (attune.push(["texts",
// {survey_submit: "…"}]), or data-texts). The questions and choices come in the page's language from the server.

export const english = {
  survey: "Survey", // the card's accessible name
  survey_submit: "Submit",
  survey_next: "Next",
  survey_dismiss: "Dismiss",
  survey_thanks: "Thank you",
  survey_low: "Not likely", // NPS 0
  survey_high: "Very likely", // NPS 10
  survey_yes: "Yes", // thumbs up, said
  survey_no: "No",
};

type Texts = typeof english;

/** English, under the shipped texts of the page's language, under the site's pushed texts. */
export function textsFor(shipped: Record<string, string>, overrides: Record<string, string>): Texts {
  const texts = { ...english } as Record<string, string>;
  for (const key in english) texts[key] = overrides[key] || shipped[key] || texts[key];
  return texts as Texts;
}
