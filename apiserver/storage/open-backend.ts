// Chooses the storage backend named by --storage-backend.
import { join } from 'node:path';
import type { Logger } from '../../shared/log.ts';
import type { Backend } from './interface.ts';
import { LmdbBackend } from './lmdb-backend.ts';
import { lockDataDir } from './data-dir-lock.ts';

export async function openBackend(name: string, options: { dataDir: string; logger: Logger }): Promise<Backend> {
  switch (name) {
    case 'embedded': {
      const unlock = lockDataDir(options.dataDir);
      const backend = new LmdbBackend({ path: join(options.dataDir, 'store'), logger: options.logger });
      await backend.start();
      const close = backend.close.bind(backend);
      backend.close = async () => {
        await close();
        unlock();
      };
      return backend;
    }
    default:
      throw new Error(`unknown --storage-backend ${JSON.stringify(name)} (supported: embedded)`);
  }
}
