import { api, ApiFailure, failureText, whenSignedOut } from './api.js';
import { button, byId } from './dom.js';
import type { Me } from './office-types.js';
import { showRoute, showShell } from './shell.js';
import { begin, end, whenEnded } from './session.js';
import { showSignIn } from './sign-in.js';

// The script is a module, so it runs after the document is parsed: every element is there.

whenEnded((message) => showSignIn(message, showShell));
// A request answered UNAUTHORIZED: the session expired, was ended from another device, or the password
// was changed elsewhere.
whenSignedOut(() => end('登录已失效或已在其他设备退出，请重新登录。'));
window.addEventListener('hashchange', () => void showRoute());

async function boot(): Promise<void> {
  const status = byId('boot');
  status.hidden = false;
  status.textContent = '加载中…';
  try {
    const me = await api<Me>('/api/office/me', { quiet401: true });
    showShell(await begin(me.owner, me.csrfToken, me.timeZone));
  } catch (error) {
    if (error instanceof ApiFailure && error.code === 'UNAUTHORIZED') {
      showSignIn('', showShell);
      return;
    }
    status.textContent = failureText(error);
    status.append(' ', button('重试', 'secondary', () => void boot()));
  }
}

void boot();
