import { describe, expect, it } from 'vitest';
import { csvCell, csvDocument, yuan } from './csv.js';

describe('csv', () => {
  it('quotes commas, quotes and line breaks by RFC 4180, and leaves plain cells bare', () => {
    expect(csvCell('洗车')).toBe('洗车');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('one\ntwo')).toBe('"one\ntwo"');
    expect(csvCell('one\r\ntwo')).toBe('"one\r\ntwo"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(-3)).toBe('-3');
    expect(() => csvCell(Number.NaN)).toThrow(RangeError);
  });

  it('neutralises a text that a spreadsheet would run as a formula, but not a plain number', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-cmd')).toBe("'-cmd");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('-0.05')).toBe('-0.05');
    expect(csvCell('12.50')).toBe('12.50');
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('writes a BOM, then every row ended by CRLF', () => {
    const doc = csvDocument(['日期', '金额(元)'], [['2026-11-01', '1.00'], ['x,y', null]]);
    expect(doc).toBe('\uFEFF日期,金额(元)\r\n2026-11-01,1.00\r\n"x,y",\r\n');
    expect(Buffer.from(doc, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('turns fen into yuan with two decimals without floating point', () => {
    expect(yuan(0)).toBe('0.00');
    expect(yuan(5)).toBe('0.05');
    expect(yuan(29_900)).toBe('299.00');
    expect(yuan(123_456_789_01)).toBe('123456789.01');
    expect(yuan(-5)).toBe('-0.05');
    // 0.1 + 0.2 in floats is 0.30000000000000004: integer fen never are.
    expect(yuan(10 + 20)).toBe('0.30');
    expect(() => yuan(1.5)).toThrow(RangeError);
  });
});
