/** The element with this id; throws when the page lacks it (a mismatch between index.html and the code). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

/**
 * A new element with class names and children; strings become text nodes, never parsed as HTML, so
 * a member's or a device's name can hold anything.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  ...children: Array<Node | string | null | undefined | false>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  for (const child of children) if (child) element.append(child);
  return element;
}

/** A button of type "button" (never submits a form by accident). */
export function button(text: string, className = '', onClick?: (event: MouseEvent) => void): HTMLButtonElement {
  const b = el('button', className, text);
  b.type = 'button';
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

/** A labelled input; the label wraps it, so a tap on the label focuses the field. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement, hint = ''): HTMLLabelElement {
  return el('label', 'field', el('span', 'field-label', label), input, hint ? el('span', 'field-hint', hint) : null);
}

export function input(name: string, attrs: Record<string, string> = {}): HTMLInputElement {
  const i = el('input');
  i.name = name;
  for (const [key, value] of Object.entries(attrs)) i.setAttribute(key, value);
  return i;
}

/** A "loading" line to put where data will appear. */
export function loading(text = '加载中…'): HTMLElement {
  return el('p', 'loading', text);
}

/** An empty state: what is missing and what to do about it. */
export function empty(text: string, action?: HTMLElement): HTMLElement {
  return el('div', 'empty', el('p', '', text), action ?? null);
}
