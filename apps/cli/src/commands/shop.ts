import { randomInt } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CliError } from '../errors.js';
import { ApiClient } from '../http.js';
import { adminTokenOption, idArg, serverBase } from '../options.js';

interface AdminOptions {
  server: string;
  adminToken: string;
}

// No 0/O, 1/l/I: the password is read off a screen and typed on a phone.
const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A password for a new owner: 14 characters, about 81 bits. */
export function newOwnerPassword(): string {
  let password = '';
  for (let i = 0; i < 14; i++) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return password;
}

function passwordArg(text: string): string {
  if (text.length < 10 || text.length > 200) throw new InvalidArgumentError('Expected 10 to 200 characters.');
  return text;
}

function admin(cmd: Command) {
  const options = cmd.optsWithGlobals<AdminOptions & Record<string, unknown>>();
  return { options, api: new ApiClient(serverBase(options.server)), bearer: options.adminToken };
}

/**
 * `scanpush shop …`: the operator sets a shop up for its owner — the shop, its stores, the owner who then
 * signs in to the back office (`/office/`) and runs the rest there.
 */
export function shopCommand(configure: (command: Command) => Command): Command {
  const shop = new Command('shop').description("set up shops and their owners for the back office (admin token)");

  const create = new Command('create')
    .description('create a shop')
    .requiredOption('--name <text>', 'the shop as its owner calls it')
    .addOption(adminTokenOption())
    .action(async (_o: unknown, cmd: Command) => {
      const { options, api, bearer } = admin(cmd);
      const made = await api.post<{ id: number; name: string }>('/api/admin/shops', { name: options.name }, { bearer });
      process.stdout.write(`shop ${made.id} ${made.name}\n`);
    });

  const list = new Command('list')
    .description('list the shops with their counts of stores and owners')
    .addOption(adminTokenOption())
    .action(async (_o: unknown, cmd: Command) => {
      const { api, bearer } = admin(cmd);
      const { shops } = await api.get<{ shops: { id: number; name: string; stores: number; owners: number }[] }>('/api/admin/shops', { bearer });
      for (const s of shops) process.stdout.write(`${s.id}\t${s.name}\t${s.stores} stores\t${s.owners} owners\n`);
      if (shops.length === 0) process.stdout.write('no shops yet: scanpush shop create --name …\n');
    });

  const owner = new Command('owner')
    .description("create an owner of a shop; prints the password once unless you give one")
    .addOption(new Option('--shop <id>', 'the shop').argParser(idArg).makeOptionMandatory())
    .requiredOption('--login <login>', 'what the owner signs in with (3-64 of a-z 0-9 . _ @ + -, e.g. a phone number)')
    .requiredOption('--name <text>', "the owner's name as the back office shows it")
    .addOption(new Option('--password <text>', 'the first password (default: a random one, printed)').argParser(passwordArg))
    .addOption(adminTokenOption())
    .action(async (_o: unknown, cmd: Command) => {
      const { options, api, bearer } = admin(cmd);
      const password = (options.password as string | undefined) ?? newOwnerPassword();
      const made = await api.post<{ id: number; login: string }>(`/api/admin/shops/${options.shop}/owners`, { login: options.login, name: options.name, password }, { bearer });
      process.stdout.write(`owner ${made.id} of shop ${options.shop}: login ${made.login}\n`);
      if (options.password === undefined) process.stdout.write(`password (shown only now): ${password}\n`);
      process.stdout.write(`back office: ${serverBase(options.server)}/office/\n`);
    });

  const addStore = new Command('add-store')
    .description('put a store into a shop (a new one with --name, or an existing one with --store)')
    .addOption(new Option('--shop <id>', 'the shop').argParser(idArg).makeOptionMandatory())
    .addOption(new Option('--store <id>', 'an existing store').argParser(idArg).conflicts('name'))
    .addOption(new Option('--name <text>', 'a new store of this name'))
    .addOption(adminTokenOption())
    .action(async (_o: unknown, cmd: Command) => {
      const { options, api, bearer } = admin(cmd);
      if (options.store === undefined && options.name === undefined) throw new CliError('give --store <id> or --name <text>');
      const storeId =
        options.store !== undefined
          ? (await api.put<{ storeId: number }>(`/api/admin/stores/${options.store}/shop`, { shopId: options.shop }, { bearer })).storeId
          : (await api.post<{ id: number }>('/api/admin/stores', { name: options.name, shopId: options.shop }, { bearer })).id;
      process.stdout.write(`store ${storeId} is in shop ${options.shop}\n`);
    });

  for (const command of [create, list, owner, addStore]) shop.addCommand(configure(command));
  return shop;
}
