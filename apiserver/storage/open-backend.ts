// Chooses the storage backend named by --storage-backend.
import { join } from 'node:path';
import type { Logger } from '../../shared/log.ts';
import type { Backend } from './interface.ts';
import { LmdbBackend } from './lmdb-backend.ts';

export async function openBackend(name: string, options: { dataDir: string; logger: Logger }): Promise<Backend> {
  switch (name) {
    case 'embedded': {
      const backend = new LmdbBackend({ path: join(options.dataDir, 'store'), logger: options.logger });
      await backend.start();
      return backend;
    }
    default:
      throw new Error(`unknown --storage-backend ${JSON.stringify(name)} (supported: embedded)`);
  }
}
