/** The element with this id; throws when the page lacks it (a mismatch between index.html and the code). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

/** A new element with text content and class names; text is set as text, never parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text) element.textContent = text;
  return element;
}

/** Shows or hides an element (the `hidden` attribute, styled in app.css). */
export function show(element: HTMLElement, visible: boolean): void {
  element.hidden = !visible;
}

/** `HH:MM:SS` in the browser's time zone: the feed and history are read at a glance. */
export function clock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleTimeString('zh-CN', { hour12: false });
}

/** `M月D日 HH:MM:SS`, for history rows that may span days. */
export function dateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getMonth() + 1}月${date.getDate()}日 ${clock(iso)}`;
}
