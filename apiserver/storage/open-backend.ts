// Chooses the storage backend named by --storage-backend.
import { join } from 'node:path';
import type { Logger } from '../../shared/log.ts';
import type { Backend } from './interface.ts';
import { LmdbBackend } from './lmdb-backend.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { EtcdBackend } from './etcd-backend.ts';

export interface OpenBackendOptions {
  dataDir: string;
  logger: Logger;
  /** etcd3: the members' client URLs (--etcd-servers). */
  etcdServers?: string[];
  /** etcd3: prepended to every key (--etcd-prefix). */
  etcdPrefix?: string;
}

export async function openBackend(name: string, options: OpenBackendOptions): Promise<Backend> {
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
    case 'etcd3': {
      if (!options.etcdServers?.length) throw new Error('--storage-backend=etcd3 needs --etcd-servers');
      const backend = new EtcdBackend({ endpoints: options.etcdServers, prefix: options.etcdPrefix, logger: options.logger });
      await backend.start();
      return backend;
    }
    default:
      throw new Error(`unknown --storage-backend ${JSON.stringify(name)} (supported: embedded, etcd3)`);
  }
}
