import { Command } from 'commander';
import type { ProductView } from '@scanpush/shared';
import { ApiClient } from '../http.js';
import { merchantKeyOption, serverBase } from '../options.js';

interface ProductsOptions {
  server: string;
  key: string;
  json?: boolean;
}

/** `scanpush products`: the products the key's store sells, one per line: `id<TAB>name<TAB>uses<TAB>price<TAB>validity`. */
export function productsCommand(): Command {
  return new Command('products')
    .description("list the card products this merchant key's store sells")
    .addOption(merchantKeyOption())
    .option('--json', 'print the raw answer JSON')
    .action(async (_options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<ProductsOptions>();
      const api = new ApiClient(serverBase(options.server));
      const answer = await api.get<{ products: ProductView[] }>('/api/products', { bearer: options.key });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(answer)}\n`);
        return;
      }
      if (answer.products.length === 0) process.stderr.write('scanpush: this store sells no products yet\n');
      for (const p of answer.products) process.stdout.write(`${productLine(p)}\n`);
    });
}

export function productLine(p: ProductView): string {
  const yuan = `¥${Math.floor(p.priceFen / 100)}.${String(p.priceFen % 100).padStart(2, '0')}`;
  const validity = p.validDays === null ? '不限期' : `${p.validDays}天`;
  return [p.id, p.name, `${p.uses}次`, yuan, validity].join('\t');
}
