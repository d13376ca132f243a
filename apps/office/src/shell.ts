import { failureText } from './api.js';
import { accountPage, storeForm } from './account-page.js';
import { auditPage } from './audit-page.js';
import { button, byId, el } from './dom.js';
import { memberPage } from './member-page.js';
import { membersPage } from './members-page.js';
import { productsPage } from './products-page.js';
import { reportsPage } from './reports-page.js';
import { resolve, type Page, type PageContext } from './router.js';
import { chooseStore, current, type Session } from './session.js';
import { staffPage } from './staff-page.js';

const PAGES: Record<string, Page> = {
  products: productsPage,
  staff: staffPage,
  members: membersPage,
  reports: reportsPage,
  audit: auditPage,
  account: accountPage,
};

/** `#/members/17` is the member page; every other first segment names its page. */
function pageFor(hash: string) {
  const route = resolve(hash, PAGES, productsPage);
  if (route.page === membersPage && route.params.length > 0) return { page: memberPage, params: route.params };
  return route;
}

// A tap on the tab already open reloads its page (the hash does not change, so no hashchange comes).
byId('nav').addEventListener('click', (event) => {
  const link = (event.target as Element).closest('a');
  if (link && link.getAttribute('href') === location.hash) {
    event.preventDefault();
    void showRoute();
  }
});

/** Shows the signed-in frame (header, store choice, nav) and the page the hash names. */
export function showShell(session: Session): void {
  byId('boot').hidden = true;
  byId('signin').hidden = true;
  byId('shell').hidden = false;
  drawHeader(session);
  void showRoute();
}

function drawHeader(session: Session): void {
  byId('shop-name').textContent = session.owner.shopName ?? '店主后台';
  byId('owner-name').textContent = session.owner.name;
  const picker = byId<HTMLSelectElement>('store-picker');
  picker.replaceChildren(...session.stores.map((s) => new Option(s.name, String(s.id), false, s.id === session.store?.id)));
  byId('store-field').hidden = session.stores.length === 0;
  picker.disabled = session.stores.length < 2;
  picker.onchange = () => {
    chooseStore(session, Number(picker.value));
    // A member of one store is not one of another: a member page goes back to the list.
    if (location.hash.startsWith('#/members/')) location.hash = '#/members';
    else void showRoute();
  };
}

/** Renders the page of the current hash into a fresh container; one left behind by a later route is dropped. */
export async function showRoute(): Promise<void> {
  const session = current.session;
  if (!session) return;
  const { page, params } = pageFor(location.hash);
  for (const link of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
    link.classList.toggle('active', link.dataset.nav === page.nav);
    if (link.dataset.nav === page.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const view = byId('view');
  const root = el('div', 'page');
  root.dataset.page = page.nav;
  view.replaceChildren(root);
  const refreshShell = () => drawHeader(session);
  if (page.needsStore && !session.store) {
    root.append(
      el('h2', '', '还没有门店'),
      el('section', 'panel', el('p', '', '还没有门店 — 新建一个，然后就可以添加卡种、邀请员工。'), storeForm({ session, refreshShell }, () => void showRoute())),
    );
    return;
  }
  const ctx: PageContext = { session, store: session.store!, params, refreshShell };
  try {
    await page.render(root, ctx);
    root.dataset.ready = 'true';
  } catch (error) {
    if (!root.isConnected || !current.session) return;
    const retry = button('重试', 'secondary', () => void showRoute());
    root.append(el('div', 'message error page-error', failureText(error)), retry);
  }
}
