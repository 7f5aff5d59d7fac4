// The card's look, in one constructable stylesheet on the page (a strict CSP needs no 'unsafe-inline').
// No Shadow DOM: a site themes the card with CSS custom properties, or any rule of its own, e.g.
//   .attune-survey { --attune-survey-accent: #7c3aed; --attune-survey-radius: 0 }
// --attune-survey-bg, -fg, -accent, -border, -radius, -font; logical properties for right-to-left pages.

const CSS =
  ".attune-survey{--a:var(--attune-survey-accent,#1d4ed8);position:fixed;inset-block-end:16px;inset-inline-end:16px;" +
  "z-index:2147482000;box-sizing:border-box;max-inline-size:min(24rem,calc(100vw - 32px));padding:12px 16px;" +
  "background:var(--attune-survey-bg,#fff);color:var(--attune-survey-fg,#222);border:1px solid var(--attune-survey-border,#888);" +
  "border-radius:var(--attune-survey-radius,8px);font:var(--attune-survey-font,14px/1.4 sans-serif);box-shadow:0 4px 16px #0003}" +
  ".attune-survey[data-inline]{position:static;max-inline-size:none;box-shadow:none}" +
  ".attune-survey fieldset{border:0;margin:0;padding:0;min-inline-size:0}" +
  ".attune-survey legend,.attune-survey .legend{display:block;font-weight:bold;margin-block-end:8px;padding:0}" +
  ".attune-survey .scale{display:flex;flex-wrap:wrap;gap:4px}.attune-survey .list label{display:block;margin-block:4px}" +
  ".attune-survey .scale input{position:absolute;opacity:0;margin:0}" +
  ".attune-survey .scale span{display:inline-block;min-inline-size:28px;padding:4px;text-align:center;border:1px solid;border-radius:4px;cursor:pointer}" +
  ".attune-survey .scale input:checked+span{background:var(--a);color:#fff;border-color:var(--a)}" +
  ".attune-survey input:focus-visible+span,.attune-survey :focus-visible{outline:2px solid var(--a);outline-offset:2px}" +
  ".attune-survey .ends{display:flex;justify-content:space-between;inline-size:100%;font-size:12px}" +
  ".attune-survey textarea{display:block;inline-size:100%;box-sizing:border-box;font:inherit}.attune-survey .count{font-size:12px}" +
  ".attune-survey .actions{display:flex;gap:8px;justify-content:end;margin-block-start:10px}" +
  ".attune-survey button{font:inherit;padding:4px 12px;border-radius:4px;border:1px solid;background:none;color:inherit}" +
  ".attune-survey .submit{background:var(--a);border-color:var(--a);color:#fff}.attune-survey [role=status]{margin:0}";

export function adoptSurveySheet(): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
