import type { ResultMessage } from '@scanpush/shared';
import { encodeMessage } from '@scanpush/shared';
import { resultMessage } from '../core/results.js';
import type { StreamEntry } from '../storage/streams.js';

/**
 * One stream entry on its way to sockets, with its wire forms built on first use and then shared: a
 * fan-out to many sockets of one stream serialises the JSON envelope once and formats the text once.
 */
export class Outgoing {
  private built: ResultMessage | undefined;
  private encoded: string | undefined;

  constructor(readonly entry: StreamEntry) {}

  get message(): ResultMessage {
    return (this.built ??= resultMessage(this.entry));
  }

  /** The structured dialect's frame. */
  get json(): string {
    return (this.encoded ??= encodeMessage(this.message));
  }

  /** The text dialect's frame (`0_扣费成功_剩余次数: 3`). */
  get text(): string {
    return this.message.text;
  }
}
