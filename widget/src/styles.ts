// Constructable stylesheets only (no <style>, no style attributes), so a strict CSP needs no
// 'unsafe-inline': one sheet for the page, one sheet shared by every shadow root.

// The corner bar anchors to its block; per-decision rules (room for the bar, a kept height) join later.
let page: CSSStyleSheet;

// The bar sits in the block's bottom inline-end corner, in room kept for it (ROOM px), so it covers no
// content. Logical properties, so RTL pages get it in their own end corner. A pressed rating is filled and
// ringed: not colour alone.
const UI_CSS =
  ":host{all:initial;position:absolute;inset-block-end:4px;inset-inline-end:6px;z-index:9999;font:12px sans-serif}" +
  ".bar{display:flex;background:#fff;border:1px solid #bbb;border-radius:9px;padding:0 4px}" +
  "button{font:inherit;background:none;border:0;min-width:24px;min-height:24px}" +
  "button[aria-pressed=true]{background:#dde8fb;outline:2px solid #1d4ed8}"; // the "why" dialog brings its own rules

/** The bar's height and its gap to the block's edge: the room it needs below the content. */
export const ROOM = 32;

let uiSheet: CSSStyleSheet | undefined;

function sheet(css: string): CSSStyleSheet {
  const made = new CSSStyleSheet();
  made.replaceSync(css);
  return made;
}

/** Adopt the page sheet into document.adoptedStyleSheets, keeping the page's own sheets. */
export function adoptPageSheet(): void {
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, (page = sheet("[data-attune-block]{position:relative}"))];
}

/** For the block showing this decision: never shorter than `height` (what follows stays put), and room for
 * the bar below its content (ROOM px of padding) if the page left less and the block is below the viewport:
 * growing one in view would move what the visitor reads (layout shift beats a covered corner). */
export function keep(block: Element, decision: string, height: string): void {
  // the decision id is the server's: letters, digits and dashes
  page.insertRule(`[data-attune-decision="${decision}"]{min-height:${height}` +
    (parseFloat(getComputedStyle(block).paddingBlockEnd) < ROOM && block.getBoundingClientRect().top > innerHeight
      ? `;padding-block-end:${ROOM}px}` : "}"));
}

export function adoptUiSheet(root: ShadowRoot): void {
  root.adoptedStyleSheets = [(uiSheet = uiSheet || sheet(UI_CSS))];
}
