// What the chunk's UI shares: its stylesheet, a shadow host on the page, and modal dialogs that trap
// focus, close on Escape and give focus back to whatever opened them.

const DIALOG_CSS =
  "dialog{max-width:min(36rem,92vw);max-height:88vh;overflow:auto;font:14px/1.4 sans-serif;color:#222;background:#fff}" +
  "dialog::backdrop{background:#0004}h2{font-size:18px;margin:0 0 8px}h3{font-size:15px;margin:16px 0 4px}" +
  "dialog button{font:inherit;padding:5px 10px;margin:2px 0}.actions{display:flex;flex-wrap:wrap;gap:8px;justify-content:end}" +
  "fieldset{border:1px solid #bbb;margin:8px 0;padding:4px 10px}.cat{margin:6px 0}.cat p{margin:2px 0;padding-inline-start:24px;color:#444}" +
  "ul{padding-inline-start:20px;margin:4px 0}li{margin:4px 0}[role=status]{min-height:1.4em;font-weight:bold}";

const PAGE_CSS =
  ":host{all:initial}.banner{position:fixed;inset-inline:0;inset-block-end:0;z-index:2147483000;display:flex;" +
  "flex-wrap:wrap;gap:8px;align-items:center;padding:12px 16px;background:#fff;color:#222;border-top:2px solid #555;" +
  "font:14px/1.4 sans-serif}.banner p{flex:1 1 20rem;margin:0}.banner button{font:inherit;min-width:8rem;padding:8px 14px;" +
  "color:#222;background:#fff;border:2px solid #222;border-radius:4px}";

const sheets: Record<string, CSSStyleSheet> = {};

function sheet(css: string): CSSStyleSheet {
  if (!sheets[css]) (sheets[css] = new CSSStyleSheet()).replaceSync(css);
  return sheets[css];
}

/** Add the dialog rules to a shadow root (a block's, for the "why" dialog). */
export function adoptDialogSheet(root: ShadowRoot): void {
  if (root.adoptedStyleSheets.indexOf(sheet(DIALOG_CSS)) < 0) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet(DIALOG_CSS)];
}

let pageRoot: ShadowRoot | undefined;

/** The chunk's own shadow root on the page (banner and preference center), made once. */
export function ownRoot(): ShadowRoot {
  if (pageRoot) return pageRoot;
  const host = document.createElement("attune-privacy");
  pageRoot = host.attachShadow({ mode: "open" });
  pageRoot.adoptedStyleSheets = [sheet(PAGE_CSS), sheet(DIALOG_CSS)];
  document.body.prepend(host); // first in the page: keyboard users reach the banner first
  return pageRoot;
}

/** The page's writing direction, for the chunk's UI (a shadow root inherits it, but say it). */
export const direction = () => getComputedStyle(document.body || document.documentElement).direction;

const FOCUSABLE = "button,input,a[href],[tabindex='0']";

/** Make `dialog` modal: Tab stays inside, Escape shuts it; returns shut(), which gives focus back. */
export function modal(root: ShadowRoot, dialog: HTMLDialogElement, opener: () => Element | null | undefined): () => void {
  const shut = () => {
    dialog.close();
    const back = opener() as HTMLElement | null;
    if (back && back.focus) back.focus();
  };
  dialog.onkeydown = (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      return shut();
    }
    if (event.key !== "Tab") return;
    const stops = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)]
      .filter((stop) => stop.getClientRects().length && !(stop as HTMLButtonElement).disabled);
    const last = stops.length - 1;
    const at = stops.indexOf(root.activeElement as HTMLElement);
    if (event.shiftKey ? at > 0 : at > -1 && at < last) return; // the browser moves within the dialog
    stops[event.shiftKey ? last : 0].focus();
    event.preventDefault();
  };
  dialog.oncancel = (event) => {
    event.preventDefault(); // the platform's close request: shut our way, so focus returns
    shut();
  };
  return shut;
}
