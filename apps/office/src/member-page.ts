import { api, ApiFailure, failureText } from './api.js';
import { confirmAction } from './dialog.js';
import { button, el, empty, loading } from './dom.js';
import { messageLine, runAction, showError, showNotice } from './forms.js';
import { dateTime, yuan } from './format.js';
import { memberLabel } from './members-page.js';
import type { Ledger, MemberCard, Product, ReversalAnswer } from './office-types.js';
import type { Page } from './router.js';
import { storePath } from './session.js';

/**
 * The longest a deduction can be reversed (REVERSAL_WINDOW_SECONDS is at most 7 days): older ones get no
 * button. Within it the server decides (its window is usually shorter) and a refusal is shown in Chinese.
 */
const LONGEST_WINDOW_MS = 7 * 24 * 3600 * 1000;

interface MemberAnswer {
  card: MemberCard;
  ledger: Ledger[];
  /** Not in every server's answer: when present, deductions older than this get no 撤销 button. */
  reversalWindowSeconds?: number;
}

/** One member's card at the store and its ledger, newest first, with 撤销 on recent deductions. */
export const memberPage: Page = {
  nav: 'members',
  needsStore: true,
  async render(root, ctx) {
    const memberId = Number(ctx.params[0]);
    const back = el('a', 'back', '‹ 全部会员');
    back.href = '#/members';
    root.append(back);
    if (!Number.isSafeInteger(memberId) || memberId < 1) {
      root.append(empty('没有这个会员。'));
      return;
    }
    const head = el('section', 'panel member-card', loading());
    const ledgerList = el('div', 'list ledger');
    const line = messageLine();
    const more = button('加载更早的记录', 'secondary');
    more.hidden = true;
    root.append(head, el('section', 'panel', el('h3', '', '会员卡记录'), line, ledgerList, el('div', 'actions', more)));

    const productNames = new Map<number, string>();
    const reversed = new Set<number>();
    let windowMs = LONGEST_WINDOW_MS;
    let oldest: number | undefined;

    const fetchPage = (before?: number) => api<MemberAnswer>(storePath(ctx.store, `/members/${memberId}${before ? `?before=${before}` : ''}`));

    async function loadFirst(): Promise<void> {
      ledgerList.replaceChildren(loading());
      reversed.clear();
      const [answer, products] = await Promise.all([
        fetchPage(),
        api<{ products: Product[] }>(storePath(ctx.store, '/products')).catch(() => ({ products: [] as Product[] })),
      ]);
      for (const p of products.products) productNames.set(p.id, p.name);
      if (answer.reversalWindowSeconds) windowMs = answer.reversalWindowSeconds * 1000;
      drawCard(answer.card);
      ledgerList.replaceChildren();
      if (answer.ledger.length === 0) ledgerList.append(empty('还没有记录'));
      add(answer.ledger);
    }

    function drawCard(card: MemberCard): void {
      const expiry = card.expiresAt === null ? '不过期' : `有效至 ${dateTime(card.expiresAt)}`;
      head.replaceChildren(
        el('div', 'member-name', memberLabel(card)),
        el('div', 'member-remaining', '剩余 ', el('strong', '', String(card.remaining)), ' 次'),
        el('div', 'member-expiry', expiry),
      );
      head.dataset.remaining = String(card.remaining);
    }

    function add(entries: Ledger[]): void {
      for (const e of entries) if (e.kind === 'reversal' && e.reversesId !== undefined) reversed.add(e.reversesId);
      for (const e of entries) ledgerList.append(ledgerRow(e));
      oldest = entries.at(-1)?.id ?? oldest;
      more.hidden = entries.length < 50;
    }

    function ledgerRow(e: Ledger): HTMLElement {
      const at = e.at ?? e.createdAt ?? '';
      const product = e.productName ?? (e.productId !== undefined ? productNames.get(e.productId) : undefined);
      const what =
        e.kind === 'deduct'
          ? '扣次'
          : e.kind === 'topup'
            ? product
              ? `售卡：${product}`
              : '充值'
            : '撤销扣次';
      const details = [
        dateTime(at),
        e.amountFen !== undefined ? `${yuan(e.amountFen)} 元` : '',
        e.kind === 'reversal' && e.reason ? `原因：${e.reason}` : '',
        `余额 ${e.balanceAfter} 次`,
      ].filter(Boolean);
      const row = el(
        'div',
        `row ledger-row kind-${e.kind}`,
        el('div', 'row-main', el('strong', 'row-title', what), el('span', 'row-sub', details.join(' · '))),
        el('span', e.delta < 0 ? 'delta minus' : 'delta plus', e.delta > 0 ? `+${e.delta}` : String(e.delta)),
      );
      row.dataset.ledgerId = String(e.id);
      if (e.kind !== 'deduct') return row;
      if (reversed.has(e.id) || e.reversedBy !== undefined) {
        row.append(el('span', 'tag muted', '已撤销'));
      } else if (Date.now() - new Date(at).getTime() <= windowMs) {
        row.append(reverseButton(e, at));
      }
      return row;
    }

    function reverseButton(e: Ledger, at: string): HTMLButtonElement {
      const b = button('撤销', 'small danger-outline', () => {
        void (async () => {
          const reason = await confirmAction({
            title: '撤销这次扣次？',
            body: `${dateTime(at)} 的扣次将被撤销，会员卡退回 1 次，会员会收到通知。撤销后不能再恢复这次扣次。`,
            confirmText: '确认撤销',
            danger: true,
            reason: { label: '撤销原因', placeholder: '例如：误扫、重复扣次' },
          });
          if (reason === null) return;
          let answer: ReversalAnswer | undefined;
          let refusal = '';
          const done = await runAction(b, line, '撤销中…', async () => {
            try {
              answer = await api<ReversalAnswer>(storePath(ctx.store, '/reversals'), { body: { ledgerId: e.id, reason } });
            } catch (error) {
              if (error instanceof ApiFailure) refusal = error.code;
              throw error;
            }
          });
          // A deduction that can no longer be reversed loses its button; the line above says why.
          if (refusal === 'ALREADY_REVERSED') b.replaceWith(el('span', 'tag muted', '已撤销'));
          if (refusal === 'REVERSAL_WINDOW_PASSED') b.replaceWith(el('span', 'tag muted', '已超时'));
          if (!done || !answer) return;
          await loadFirst().catch((error: unknown) => showError(line, failureText(error)));
          showNotice(line, `已撤销，退回 1 次${answer.result.remaining === null ? '' : `，剩余 ${answer.result.remaining} 次`}。会员已收到通知。`);
        })();
      });
      return b;
    }

    more.addEventListener('click', () => {
      void runAction(more, line, '加载中…', async () => {
        if (oldest === undefined) return;
        const answer = await fetchPage(oldest);
        add(answer.ledger);
        if (answer.ledger.length === 0) more.hidden = true;
      });
    });

    try {
      await loadFirst();
    } catch (error) {
      if (error instanceof ApiFailure && error.code === 'CARD_NOT_FOUND') {
        head.replaceChildren(empty('该会员在本店没有会员卡。'));
        ledgerList.replaceChildren();
        return;
      }
      throw error;
    }
  },
};
