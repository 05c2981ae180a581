// The worker thread behind create-offload.ts: decodes, defaults, validates and encodes create bodies with
// the same stores' code as the request thread (GenericStore.prepareCreate), and sends back the text to
// store or the Status that refuses it. It never touches storage.
import { parentPort, workerData } from 'node:worker_threads';
import { resourceTypes } from '../../shared/api/registry.ts';
import { toStatusError } from '../../shared/errors.ts';
import { decodeJson } from '../http/content.ts';
import type { Backend } from '../storage/interface.ts';
import { GenericStore } from './generic-store.ts';
import { strategyFor, type RegistryOptions } from './index.ts';
import type { CreateRequest, CreateResponse } from './create-offload.ts';

/** Every storage call fails: preparing a create must not need one (if it ever does, it shows at once). */
const noStorage = new Proxy({} as Backend, {
  get: (_t, method) => () => { throw new Error(`storage (${String(method)}) is not available in the create worker`); },
});

const options = workerData as RegistryOptions;
const stores = new Map<string, GenericStore>();
for (const type of resourceTypes) stores.set(`${type.group}/${type.version}/${type.plural}`, new GenericStore(type, noStorage, strategyFor(type, options)));

const port = parentPort!;
port.on('message', (req: CreateRequest) => {
  let res: CreateResponse;
  try {
    const store = stores.get(req.resource);
    if (!store) throw new Error(`no store for ${req.resource}`);
    const { object, warnings } = store.prepareCreate(req.namespace, decodeJson(req.json), { fieldValidation: req.fieldValidation });
    res = { id: req.id, ok: true, namespace: object.metadata.namespace ?? '', name: object.metadata.name!, json: store.encode(object), warnings };
  } catch (err) {
    res = { id: req.id, ok: false, status: toStatusError(err).toStatus() };
  }
  port.postMessage(res);
});
port.postMessage({ ready: true });
