// A tiny element builder: attributes through setAttribute, children as nodes or text (never HTML).

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, string> | null,
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const name in attrs) element.setAttribute(name, attrs[name]);
  element.append(...children);
  return element;
}

/** A button's visible text, repeated as its aria-label. */
export function label(button: HTMLElement, text: string): void {
  button.textContent = text;
  button.setAttribute("aria-label", text);
}

export function warn(error: unknown): void {
  console.warn("attune:", error);
}
