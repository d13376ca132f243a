import { describe } from 'vitest';
import { accountsContract } from './accounts.contract.js';
import { auditContract } from './audit.contract.js';
import { cardsContract } from './cards.contract.js';
import { concurrencyContract } from './concurrency.contract.js';
import { counterContract } from './counter.contract.js';
import { devicesContract } from './devices.contract.js';
import type { OpenStorage } from './harness.js';
import { invitesContract } from './invites.contract.js';
import { notifyContract } from './notify.contract.js';
import { officeContract } from './office.contract.js';
import { reportsContract } from './reports.contract.js';
import { scansContract } from './scans.contract.js';
import { streamsContract } from './streams.contract.js';

export type { OpenStorage, Restored, StorageUnderTest } from './harness.js';

/**
 * The contract every storage engine must pass, through the `Storage` interface only: accounts, cards,
 * streams and epochs, every verdict of `recordScan`, idempotent retries, and the concurrent races the
 * CardStore contract names. An engine's test file calls this with a function that opens a fresh database.
 */
export function describeStorageContract(engineName: string, open: OpenStorage): void {
  describe(`storage contract: ${engineName}`, () => {
    accountsContract(open);
    cardsContract(open);
    streamsContract(open);
    scansContract(open);
    concurrencyContract(open);
    auditContract(open);
    invitesContract(open);
    officeContract(open);
    counterContract(open);
    reportsContract(open);
    devicesContract(open);
    notifyContract(open);
  });
}
