// The content of a block without field markers, built in the lazy chunk: such blocks are rare (markers
// keep the block's box, README), so the core does not carry this for every page. The core loads the
// chunk alongside the decide call when a block without markers is on the page.

import { h } from "../dom";
import { link } from "../render";

/** The variant's title (at the page's heading level), body, html and link, to replace the block's children. */
export function build(before: Node[], content: Record<string, string>): Node[] {
  const heading = before.filter((node) => /^H\d$/.test(node.nodeName))[0];
  const out: Node[] = [];
  if (content.title) out.push(h((heading ? heading.nodeName : "p") as "p", null, content.title));
  if (content.body) out.push(h("p", null, content.body));
  if (content.html) {
    const box = h("div");
    box.innerHTML = content.html; // sanitised by the server (nh3)
    out.push(box);
  }
  if (content.cta) {
    const cta = h("a", null, content.cta);
    link(cta, content.href, null);
    out.push(cta);
  }
  return out;
}
