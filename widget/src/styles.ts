// Constructable stylesheets only (no <style>, no style attributes), so a strict CSP needs no
// 'unsafe-inline': one rule for the page, one sheet shared by every shadow root.

const PAGE_CSS = "[data-attune-block]{position:relative}"; // the corner bar anchors to its block

// Logical properties (inset-inline-end…) so the bar sits in the inline-end corner on RTL pages too.
const UI_CSS =
  ":host{all:initial;position:absolute;inset-block-start:6px;inset-inline-end:6px;z-index:9999;font:12px sans-serif}" +
  ".bar{display:flex;background:#fff;border:1px solid #bbb;border-radius:9px;padding:0 4px}" +
  ".bar button{font:inherit;color:#222;background:none;border:0;min-width:24px;min-height:24px}" +
  ".why{text-decoration:underline}[aria-pressed=true]{background:#dde8fb}"; // the "why" dialog brings its own rules

let uiSheet: CSSStyleSheet | undefined;

function sheet(css: string): CSSStyleSheet {
  const made = new CSSStyleSheet();
  made.replaceSync(css);
  return made;
}

/** Adopt the page rule into document.adoptedStyleSheets, keeping the page's own sheets. */
export function adoptPageSheet(): void {
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet(PAGE_CSS)];
}

export function adoptUiSheet(root: ShadowRoot): void {
  root.adoptedStyleSheets = [(uiSheet = uiSheet || sheet(UI_CSS))];
}
