// The shipped texts in German, French, Spanish and Arabic (src/texts/<lang>.json: the "why" dialog, the
// banner, the preference center and the survey card), built into dist/texts/ and served beside the
// chunks. A chunk that shows text fetches the page's language once: a page loads its own language only,
// and none for English (the chunks' own defaults).

const LANGUAGES = ["de", "fr", "es", "ar"];

let loading: Promise<Record<string, string>> | undefined;

/** The page's language, from <html lang> ("en" when it says none). */
export const pageLanguage = () => (document.documentElement.lang || "en").toLowerCase();

/** The shipped texts for the page's language ({} for English, or when they cannot be had). */
export function catalogue(folder: string): Promise<Record<string, string>> {
  const language = pageLanguage().split("-")[0];
  return (loading = loading || (LANGUAGES.indexOf(language) < 0 ? Promise.resolve({}) :
    fetch(`${folder}texts/${language}.json`, { credentials: "omit" }).then((reply) => (reply.ok ? reply.json() : {})).catch(() => ({}))));
}
