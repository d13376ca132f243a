import { afterEach, describe, expect, it } from 'vitest';
import { api, devLogin, mintQr, scan } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

// Reports (issue 15, item 6) against the real server: the daily figures as JSON and CSV and the ledger
// CSV, over two days of scans, sales and a reversal written at a controlled clock; days are Shanghai's
// (the default REPORT_TIME_ZONE), so 00:30 there is still the day before in UTC.

const H = 3_600_000;
/** 2026-11-01 10:00 in Shanghai. */
const DAY1 = Date.UTC(2026, 10, 1, 2);
/** 2026-11-02 00:30 in Shanghai (2026-11-01 16:30 UTC). */
const DAY2 = Date.UTC(2026, 10, 1, 16, 30);

let srv: TestServer;
let clock = DAY1;

afterEach(async () => {
  if (!srv) return;
  expect((await srv.storage.audit()).problems).toEqual([]);
  await srv.stop();
});

async function text(path: string, token = srv.adminToken) {
  const res = await fetch(srv.url + path, { headers: { authorization: `Bearer ${token}` } });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, body: bytes.toString('utf8') };
}

async function sell(qr: string, productId: number) {
  const sold = await api(srv.url, '/api/sales', { token: srv.demoMerchantKey, body: { qr, productId } });
  expect(sold.status, JSON.stringify(sold.body)).toBe(200);
}

async function deduct(token: string): Promise<number> {
  const scanned = await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, token));
  expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);
  return scanned.body.result.ledgerId as number;
}

/** Two days at the demo store: the demo's own top-up, scans, sales and a reversal. */
async function twoDays() {
  clock = DAY1;
  srv = await startServer({ parts: { now: () => clock } });
  const product = await api(srv.url, '/api/admin/stores/2/products', { token: srv.adminToken, body: { name: '10次洗车卡', uses: 10, priceFen: 29_900, validDays: 365 } });
  const seventeen = await devLogin(srv.url, 17);
  const other = await api(srv.url, '/api/admin/members', { token: srv.adminToken, body: { name: '第二位' } });
  expect(other.body.id).toBe(18);
  const eighteen = await devLogin(srv.url, 18);
  // Day 1: the demo's top-up (10 uses, no money) at start, a scan by 17 reversed; an hour later a scan and a sale.
  const first = await deduct(seventeen);
  const reversed = await api(srv.url, '/api/reversals', { token: srv.demoMerchantKey, body: { ledgerId: first, reason: '扫错了, "重复"' } });
  expect(reversed.status, JSON.stringify(reversed.body)).toBe(200);
  clock += H;
  await deduct(seventeen);
  await sell(await mintQr(srv.url, seventeen), product.body.id);
  // Day 2, half an hour after midnight in Shanghai: a sale to 18, a scan each.
  clock = DAY2;
  await sell(await mintQr(srv.url, eighteen), product.body.id);
  await deduct(eighteen);
  await deduct(seventeen);
  return { productId: product.body.id as number };
}

describe('reports', () => {
  it('answers each day of the range with its figures as JSON, empty days included', async () => {
    await twoDays();
    const report = await api(srv.url, '/api/admin/stores/2/reports/daily?from=2026-10-31&to=2026-11-03', { token: srv.adminToken });
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    const zero = { deductions: 0, netUses: 0, topUps: 0, topUpUses: 0, topUpFen: 0, reversals: 0, activeMembers: 0 };
    expect(report.body).toEqual({
      storeId: 2,
      timeZone: 'Asia/Shanghai',
      from: '2026-10-31',
      to: '2026-11-03',
      days: [
        { day: '2026-10-31', ...zero },
        { day: '2026-11-01', deductions: 2, netUses: 1, topUps: 2, topUpUses: 20, topUpFen: 29_900, reversals: 1, activeMembers: 1 },
        { day: '2026-11-02', deductions: 2, netUses: 2, topUps: 1, topUpUses: 10, topUpFen: 29_900, reversals: 0, activeMembers: 2 },
        { day: '2026-11-03', ...zero },
      ],
    });
    // Without a range: today, in Shanghai.
    const today = await api(srv.url, '/api/admin/stores/2/reports/daily', { token: srv.adminToken });
    expect(today.body).toMatchObject({ from: '2026-11-02', to: '2026-11-02', days: [{ day: '2026-11-02', deductions: 2 }] });
  });

  it('exports the days and the ledger as CSV that Excel opens: BOM, Chinese header, CRLF, yuan, attachment', async () => {
    const { productId } = await twoDays();
    const daily = await text('/api/admin/stores/2/reports/daily.csv?from=2026-11-01&to=2026-11-03');
    expect(daily.status, daily.body).toBe(200);
    expect(daily.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(daily.headers.get('content-disposition')).toBe('attachment; filename="store-2-2026-11-01-2026-11-03.csv"');
    expect([...daily.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(daily.body).toBe(
      '\uFEFF日期,扣次,充值笔数,充值次数,充值金额(元),撤销,活跃会员\r\n' +
        '2026-11-01,2,2,20,299.00,1,1\r\n2026-11-02,2,1,10,299.00,0,2\r\n2026-11-03,0,0,0,0.00,0,0\r\n',
    );

    const ledger = await text('/api/admin/stores/2/reports/ledger.csv?from=2026-11-02&to=2026-11-02');
    expect(ledger.status, ledger.body).toBe(200);
    expect(ledger.headers.get('content-disposition')).toBe('attachment; filename="store-2-2026-11-02-2026-11-02-ledger.csv"');
    const lines = ledger.body.split('\r\n');
    expect(lines[0]).toBe('\uFEFF编号,时间,类型,会员,变动,余额,商品,金额(元),员工凭证,撤销的记录,原因');
    expect(lines.slice(1).map((l) => l.split(',').slice(1, 9).join(','))).toEqual([
      `2026-11-02 00:30:00,充值,18,10,10,10次洗车卡,299.00,1`,
      `2026-11-02 00:30:00,扣次,18,-1,9,,,1`,
      `2026-11-02 00:30:00,扣次,17,-1,18,,,1`,
      '',
    ]);
    const day1 = await text('/api/admin/stores/2/reports/ledger.csv?from=2026-11-01&to=2026-11-01');
    const rows = day1.body.split('\r\n').slice(1, -1);
    expect(rows.map((r) => r.split(',').slice(1, 3).join(' '))).toEqual([
      '2026-11-01 10:00:00 充值',
      '2026-11-01 10:00:00 扣次',
      '2026-11-01 10:00:00 撤销',
      '2026-11-01 11:00:00 扣次',
      '2026-11-01 11:00:00 充值',
    ]);
    expect(rows[4]).toMatch(/^\d+,2026-11-01 11:00:00,充值,17,10,19,10次洗车卡,299\.00,1,,$/);
    // The reason, quoted with its comma and doubled quotes; the row names the deduction it reverses.
    expect(rows[2]).toBe(`${rows[2]!.split(',')[0]},2026-11-01 10:00:00,撤销,17,1,10,,,1,${rows[1]!.split(',')[0]},"扫错了, ""重复"""`);
    expect(productId).toBeGreaterThan(0);
  });

  it('refuses a bad range or store with a clear error naming the field, and a request without the admin token', async () => {
    await twoDays();
    const get = (query: string, store = '2', kind = 'daily') => api(srv.url, `/api/admin/stores/${store}/reports/${kind}${query}`, { token: srv.adminToken });
    const refusals: Array<[Awaited<ReturnType<typeof get>>, number, string, string | undefined]> = [
      [await get('?from=2026-11-03&to=2026-11-01'), 400, 'VALIDATION_FAILED', 'from'],
      [await get('?from=2025-01-01&to=2026-01-02'), 400, 'VALIDATION_FAILED', 'to'],
      [await get('?from=2026-11-31&to=2026-12-01'), 400, 'VALIDATION_FAILED', 'from'],
      [await get('?from=2026-11-01&to=26-11-02'), 400, 'VALIDATION_FAILED', 'to'],
      [await get('?from=2026-11-01', '999'), 404, 'NOT_FOUND', 'storeId'],
      [await get('?from=2026-11-01', 'x'), 400, 'VALIDATION_FAILED', 'storeId'],
      [await get('?from=2026-11-03&to=2026-11-01', '2', 'daily.csv'), 400, 'VALIDATION_FAILED', 'from'],
      [await get('?from=2025-01-01&to=2026-01-02', '2', 'ledger.csv'), 400, 'VALIDATION_FAILED', 'to'],
      [await api(srv.url, '/api/admin/stores/2/reports/daily', { token: srv.demoMerchantKey }), 401, 'UNAUTHORIZED', undefined],
    ];
    for (const [answer, status, code, field] of refusals) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(status);
      expect(answer.body.error.code).toBe(code);
      expect(answer.body.error.field).toBe(field);
    }
    // 366 days is the most: 2025-01-02 to 2026-01-02.
    expect((await get('?from=2025-01-02&to=2026-01-02')).body.days).toHaveLength(366);
  });
});
