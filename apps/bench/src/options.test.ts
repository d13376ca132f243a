import { describe, expect, it } from 'vitest';
import { parseOptions, UsageError, type Options } from './options.js';

function opts(argv: string[]): Options {
  const parsed = parseOptions(argv);
  if (parsed === 'help') throw new Error('help');
  return parsed;
}

describe('--server-node-flags', () => {
  it('passes no flag by default, and splits the given ones on spaces', () => {
    expect(opts([]).serverNodeFlags).toEqual([]);
    expect(opts(['--server-node-flags=--max-semi-space-size=8  --trace-gc']).serverNodeFlags).toEqual(['--max-semi-space-size=8', '--trace-gc']);
  });

  it('refuses what is not a flag, naming it', () => {
    expect(() => opts(['--server-node-flags', 'main.js'])).toThrow(UsageError);
    expect(() => opts(['--server-node-flags', 'main.js'])).toThrow(/"main\.js" is not a flag/);
  });
});
