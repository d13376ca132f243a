import { button, el, field, input } from './dom.js';

export interface ConfirmOptions {
  title: string;
  body: string;
  confirmText: string;
  /** Red confirm button: the action takes something away (archive, revoke, reverse). */
  danger?: boolean;
  /** Asks for a reason too (required, 1-200 characters); the answer is then the reason. */
  reason?: { label: string; placeholder: string };
}

/**
 * Asks before an action that cannot be undone from the page. Answers the reason (or '' when none was
 * asked) when confirmed, null when cancelled. A modal <dialog>: works by touch and keyboard alike.
 */
export function confirmAction(options: ConfirmOptions): Promise<string | null> {
  return new Promise((resolve) => {
    const dialog = el('dialog', 'confirm');
    const form = el('form', 'confirm-form');
    form.method = 'dialog';
    const reasonInput = options.reason ? input('reason', { maxlength: '200', placeholder: options.reason.placeholder, autocomplete: 'off' }) : undefined;
    const problem = el('p', 'message error');
    problem.hidden = true;
    const ok = el('button', options.danger ? 'danger' : 'primary', options.confirmText);
    ok.type = 'submit';
    const cancel = button('取消', 'secondary', () => finish(null));
    form.append(
      el('h3', '', options.title),
      el('p', 'confirm-body', options.body),
      ...(reasonInput && options.reason ? [field(options.reason.label, reasonInput)] : []),
      problem,
      el('div', 'actions', cancel, ok),
    );
    dialog.append(form);
    let done = false;
    const finish = (answer: string | null) => {
      if (done) return;
      done = true;
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const reason = reasonInput?.value.trim() ?? '';
      if (reasonInput && !reason) {
        problem.textContent = '请填写原因。';
        problem.hidden = false;
        reasonInput.focus();
        return;
      }
      finish(reason);
    });
    // Escape closes the dialog: that is a cancel.
    dialog.addEventListener('cancel', () => finish(null));
    document.body.append(dialog);
    dialog.showModal();
    (reasonInput ?? cancel).focus();
  });
}
