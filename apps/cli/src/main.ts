import { Command, CommanderError } from 'commander';
import { backupCommand } from './commands/backup.js';
import { listenCommand } from './commands/listen.js';
import { productsCommand } from './commands/products.js';
import { qrCommand } from './commands/qr.js';
import { reportCommand } from './commands/report.js';
import { reverseCommand } from './commands/reverse.js';
import { scanCommand } from './commands/scan.js';
import { sellCommand } from './commands/sell.js';
import { shopCommand } from './commands/shop.js';
import { staffCommand } from './commands/staff.js';
import { staffQrCommand } from './commands/staff-qr.js';
import { storeCodeCommand } from './commands/store-code.js';
import { CliError, EXIT } from './errors.js';
import { serverOption } from './options.js';

function program(): Command {
  const root = new Command('scanpush')
    .description('scanpush from the terminal: member QR codes, merchant scans, sales and reversals, staff binding QR codes, the push socket')
    .addOption(serverOption())
    .exitOverride()
    .configureOutput({
      // Commander's errors become the same one line as every other failure.
      outputError: (text, write) => write(`scanpush: ${oneLine(text.replace(/^error: /, ''))}\n`),
    });
  const configure = (command: Command) => command.exitOverride().configureOutput(root.configureOutput());
  // `staff-qr` is the first name of `staff qr`, kept for scripts that use it.
  for (const command of [qrCommand(), scanCommand(), productsCommand(), sellCommand(), reverseCommand(), reportCommand(), staffCommand(configure), shopCommand(configure), staffQrCommand(), storeCodeCommand(), listenCommand(), backupCommand()]) {
    root.addCommand(configure(command));
  }
  return root;
}

function oneLine(text: string): string {
  return text.trim().split('\n').map((line) => line.trim()).filter(Boolean).join(' ');
}

// Exit only once stdout and stderr have taken every byte: they are asynchronous pipes on some systems.
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

try {
  await program().parseAsync(process.argv);
  exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander printed its message (or the help) already.
    exit(error.exitCode);
  } else if (error instanceof CliError) {
    process.stderr.write(`scanpush: ${oneLine(error.message)}\n`);
    exit(error.exitCode);
  } else {
    process.stderr.write(`scanpush: unexpected error: ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
    exit(EXIT.FAILURE);
  }
}
