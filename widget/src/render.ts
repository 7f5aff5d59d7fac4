// Swap a block's content for a variant's, in place, and back. With data-attune-field markers
// ("title", "body", "cta", "html") only those elements change, so the block keeps its box; without
// markers the block's children are replaced. The page's own content is kept, to restore later.
// Only the `html` field (sanitised by the server) is parsed as HTML; the rest is text. A block without
// markers is filled by the lazy chunk's `build` (ui/build.ts), handed over once the chunk is loaded.

type Content = Record<string, string>;
export type Build = (before: Node[], content: Content) => Node[];

/** An element of the page as it was: its children and its link. */
interface Kept {
  node: Element;
  children: Node[];
  href: string | null;
}

/** The page's own content of a block, taken when it is first swapped. */
export type Original = Kept[];

const keep = (node: Element, ui: Node): Kept => ({
  node,
  children: [...node.childNodes].filter((child) => child !== ui),
  href: node.getAttribute("href"),
});

/** Fill the block with `content`; returns the page's own content (the one kept before, if any). */
export function swap(block: Element, content: Content, original: Original | undefined, ui: Node, build?: Build): Original {
  const fields = [...block.querySelectorAll("[data-attune-field]")]; // blocks do not nest
  const kept = original || (fields.length ? fields : [block]).map((node) => keep(node, ui));
  if (kept[0].node === block) {
    block.replaceChildren(...build!(kept[0].children, content), ui);
    return kept;
  }
  kept.forEach((field) => {
    const node = field.node;
    const name = node.getAttribute("data-attune-field")!;
    const value = content[name];
    if (value == null) return put(field);
    if (name === "html") node.innerHTML = value; // sanitised by the server (nh3)
    else node.textContent = value;
    if (name === "cta") link(node, content.href, field.href);
  });
  return kept;
}

export function restore(block: Element, original: Original | undefined, ui: Node): void {
  if (original) original.forEach((kept) => put(kept, kept.node === block ? ui : undefined));
}

function put(kept: Kept, ui?: Node): void {
  kept.node.replaceChildren(...kept.children);
  if (ui) kept.node.append(ui); // the widget's corner UI stays, last
  if (kept.href !== null) kept.node.setAttribute("href", kept.href);
}

/** Only http(s) links: a javascript: URL in content must not become a link. */
export function link(node: Element, href: string | undefined, fallback: string | null): void {
  try {
    if (href && /^https?:$/.test(new URL(href, location.href).protocol)) fallback = href;
  } catch {
    // not a URL: the page's own link stays
  }
  if (fallback !== null) node.setAttribute("href", fallback);
}
