import { api, failureText } from './api.js';
import { confirmAction } from './dialog.js';
import { button, el, empty, field, input, loading } from './dom.js';
import { messageLine, onSubmit, runAction, showError, showNotice } from './forms.js';
import { parseYuan, yuan } from './format.js';
import { isArchived, type Product } from './office-types.js';
import type { Page, PageContext } from './router.js';
import { storeEntryCard } from './invite-qr.js';
import { storePath } from './session.js';

/** 卡种: the cards the store sells at the counter; create and archive (never delete: the ledger names them). */
export const productsPage: Page = {
  nav: 'products',
  needsStore: true,
  render(root, ctx) {
    const list = el('div', 'list');
    const listLine = messageLine();
    const form = productForm(ctx, async () => load());
    // The list first: an owner looks at what is on sale more often than adding to it.
    const entry = el('section', 'panel', el('h3', '', '新会员办卡'));
    root.append(el('h2', '', '卡种'), el('section', 'panel', el('h3', '', '全部卡种'), listLine, list), el('section', 'panel', el('h3', '', '新建卡种'), form), entry);
    void storeEntryCard(ctx.store).then((card) => entry.append(card));

    async function load(): Promise<void> {
      list.replaceChildren(loading());
      const { products } = await api<{ products: Product[] }>(storePath(ctx.store, '/products'));
      list.replaceChildren();
      if (products.length === 0) {
        const start = button('新建一个', 'secondary', () => form.querySelector('input')?.focus());
        list.append(empty('还没有卡种 — 新建一个', start));
        return;
      }
      // Those on sale first; archived ones stay listed (greyed) because sales in the ledger name them.
      const sorted = [...products].sort((a, b) => Number(isArchived(a)) - Number(isArchived(b)) || b.id - a.id);
      for (const p of sorted) list.append(productRow(p));
    }

    function productRow(p: Product): HTMLElement {
      const archived = isArchived(p);
      const row = el(
        'div',
        archived ? 'row archived' : 'row',
        el(
          'div',
          'row-main',
          el('strong', 'row-title', p.name),
          el('span', 'row-sub', `${p.uses} 次 · ${yuan(p.priceFen)} 元 · ${p.validDays === null ? '不过期' : `有效期 ${p.validDays} 天`}`),
        ),
      );
      row.dataset.productId = String(p.id);
      if (archived) {
        row.append(el('span', 'tag muted', '已下架'));
        return row;
      }
      row.append(el('span', 'tag ok', '在售'));
      const archive = button('下架', 'small danger-outline', () => {
        void (async () => {
          const sure = await confirmAction({
            title: `下架“${p.name}”？`,
            body: '下架后柜台不能再售出这个卡种；已售出的会员卡不受影响。下架不能撤回。',
            confirmText: '下架',
            danger: true,
          });
          if (sure === null) return;
          const done = await runAction(archive, listLine, '下架中…', async () => {
            await api(storePath(ctx.store, `/products/${p.id}/archive`), { method: 'POST' });
          });
          if (done) {
            showNotice(listLine, `已下架“${p.name}”。`);
            await load().catch((error: unknown) => showError(listLine, failureText(error)));
          }
        })();
      });
      row.append(archive);
      return row;
    }

    return load();
  },
};

function productForm(ctx: PageContext, created: () => Promise<void>): HTMLFormElement {
  const form = el('form', 'form');
  form.noValidate = true;
  const name = input('name', { maxlength: '100', placeholder: '例如：10 次洗车卡', autocomplete: 'off' });
  const uses = input('uses', { inputmode: 'numeric', placeholder: '1–1000', autocomplete: 'off' });
  const price = input('price', { inputmode: 'decimal', placeholder: '例如：299.00', autocomplete: 'off' });
  const days = input('validDays', { inputmode: 'numeric', placeholder: '留空为不过期', autocomplete: 'off' });
  const line = messageLine();
  const submit = el('button', 'primary', '新建卡种');
  submit.type = 'submit';
  form.append(
    el('div', 'grid', field('名称', name), field('次数', uses), field('价格（元）', price), field('有效期（天）', days, '从售出那天算起')),
    line,
    el('div', 'actions', submit),
  );
  onSubmit(form, line, '保存中…', async () => {
    const body = readProduct(name.value, uses.value, price.value, days.value);
    if (typeof body === 'string') {
      showError(line, body);
      return;
    }
    const product = await api<Product>(storePath(ctx.store, '/products'), { body });
    form.reset();
    showNotice(line, `已新建“${product.name}”。`);
    await created();
  });
  return form;
}

/** The form's fields as the API wants them, or the Chinese reason they are not acceptable. */
function readProduct(name: string, uses: string, price: string, days: string) {
  const trimmedName = name.trim();
  if (!trimmedName) return '请填写名称。';
  const n = Number(uses.trim());
  if (!/^\d+$/.test(uses.trim()) || n < 1 || n > 1000) return '次数应为 1 到 1000 之间的整数。';
  const fen = parseYuan(price);
  if (fen === undefined || fen > 10_000_000) return '价格应为 0 到 100000 元之间的金额，最多两位小数。';
  let validDays: number | null = null;
  if (days.trim()) {
    validDays = Number(days.trim());
    if (!/^\d+$/.test(days.trim()) || validDays < 1 || validDays > 3650) return '有效期应为 1 到 3650 天，或留空表示不过期。';
  }
  return { name: trimmedName, uses: n, priceFen: fen, validDays };
}
