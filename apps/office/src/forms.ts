import { failureText } from './api.js';
import { el } from './dom.js';

/** A line under a form or a list for the outcome of an action: an error (red) or a notice (green). */
export function messageLine(): HTMLParagraphElement {
  const line = el('p', 'message');
  line.hidden = true;
  line.setAttribute('role', 'status');
  return line;
}

export function showError(line: HTMLElement, text: string): void {
  line.textContent = text;
  line.className = 'message error';
  line.hidden = false;
}

export function showNotice(line: HTMLElement, text: string): void {
  line.textContent = text;
  line.className = 'message notice';
  line.hidden = false;
}

export function clearMessage(line: HTMLElement): void {
  line.hidden = true;
  line.textContent = '';
}

/**
 * Runs `action` for a button: disabled with `busyText` while it runs (no double submit), the line
 * cleared first and the failure written there in Chinese. Inputs are never touched, so a refused form
 * keeps what the owner typed. Answers whether the action succeeded.
 */
export async function runAction(trigger: HTMLButtonElement, line: HTMLElement, busyText: string, action: () => Promise<void>): Promise<boolean> {
  const idle = trigger.textContent ?? '';
  trigger.disabled = true;
  trigger.textContent = busyText;
  clearMessage(line);
  try {
    await action();
    return true;
  } catch (error) {
    showError(line, failureText(error));
    return false;
  } finally {
    trigger.disabled = false;
    trigger.textContent = idle;
  }
}

/** Wires a form's submit (button or Enter) to `action` through runAction. */
export function onSubmit(form: HTMLFormElement, line: HTMLElement, busyText: string, action: () => Promise<void>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]');
    if (!submit || submit.disabled) return;
    void runAction(submit, line, busyText, action);
  });
}
