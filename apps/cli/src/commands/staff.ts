import { Command } from 'commander';
import { staffInviteCommand } from './staff-invite.js';
import { staffJoinCommand } from './staff-join.js';
import { staffQrCommand } from './staff-qr.js';

/** `scanpush staff …`: inviting staff devices (`invite`, `join`) and the key binding QR (`qr`). */
export function staffCommand(configure: (command: Command) => Command): Command {
  const staff = new Command('staff').description('staff devices: invite one by QR, redeem an invite, draw a key binding QR');
  for (const command of [staffInviteCommand(), staffJoinCommand(), staffQrCommand('qr')]) staff.addCommand(configure(command));
  return staff;
}
