import { api, failureText } from './api.js';
import { byId } from './dom.js';
import { clearMessage, showError, showNotice } from './forms.js';
import type { SignIn } from './office-types.js';
import { begin, type Session } from './session.js';

/**
 * The sign-in form (in index.html). `message` says why it is shown (signed out, session ended); a
 * refused sign-in is said under the form, which keeps what was typed.
 */
export function showSignIn(message: string, signedIn: (session: Session) => void): void {
  const form = byId<HTMLFormElement>('signin-form');
  const login = byId<HTMLInputElement>('signin-login');
  const password = byId<HTMLInputElement>('signin-password');
  const line = byId('signin-message');
  const submit = byId<HTMLButtonElement>('signin-button');
  password.value = '';
  if (message) showNotice(line, message);
  else clearMessage(line);
  byId('shell').hidden = true;
  byId('boot').hidden = true;
  byId('signin').hidden = false;
  (login.value ? password : login).focus();
  form.onsubmit = (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    if (!login.value.trim() || !password.value) {
      showError(line, '请填写账号和密码。');
      return;
    }
    submit.disabled = true;
    submit.textContent = '登录中…';
    clearMessage(line);
    void (async () => {
      try {
        const answer = await api<SignIn>('/api/office/login', { body: { login: login.value.trim(), password: password.value }, quiet401: true });
        const session = await begin(answer.owner, answer.csrfToken, answer.timeZone);
        password.value = '';
        byId('signin').hidden = true;
        signedIn(session);
      } catch (error) {
        showError(line, failureText(error));
      } finally {
        submit.disabled = false;
        submit.textContent = '登录';
      }
    })();
  };
}
