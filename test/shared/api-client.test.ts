// The API client through a fault-injecting HTTP proxy in front of a real API server: keep-alive
// connections; 5xx answers and broken connections retried with exponential back-off; 429 retried
// after its Retry-After; other 4xx not retried; a refused address failed over; attempts bounded.
// And the component's fenced client: its writes retry the same way, but ask before every attempt
// whether this replica still leads.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../../shared/client/api-client.ts';
import { FencedApiClient, NotLeaderError } from '../../shared/component-runner.ts';
import { StatusError } from '../../shared/errors.ts';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { startHttpFaultProxy, type Fault, type HttpFaultProxy, type SeenRequest } from '../fixtures/http-fault-proxy.ts';

let api: ApiServerProcess;
let proxy: HttpFaultProxy;
const clients: ApiClient[] = [];
before(async () => {
  api = await startApiServer();
  proxy = await startHttpFaultProxy(api.url);
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await proxy?.close();
  await api?.cleanup();
});

const LIST = '/api/v1/namespaces/default/configmaps';
const status = (code: number, reason: string, details?: object, headers?: Record<string, string>): Fault => ({
  status: code, headers, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `injected ${code}`, reason, code, details },
});
// As kube's API server answers it: the header, and the same in the Status.
const tooManyRequests = status(429, 'TooManyRequests', { retryAfterSeconds: 1 }, { 'retry-after': '1' });

function client(options: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}) {
  const c = new ApiClient({ servers: [proxy.url], ...options });
  clients.push(c);
  return c;
}

/** The requests the proxy sees while `fn` runs. */
async function seenDuring<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; seen: SeenRequest[]; gaps: number[] }> {
  const from = proxy.requests.length;
  const result: { value?: T; error?: unknown } = await fn().then((value) => ({ value }), (error: unknown) => ({ error }));
  const seen = proxy.requests.slice(from);
  return { ...result, seen, gaps: seen.slice(1).map((r, i) => r.at - seen[i].at) };
}

describe('ApiClient', () => {
  test('keeps its connections alive across sequential requests', async () => {
    const c = client();
    // undici's pool opens a second connection for the second request (seen on every run); from then
    // on requests reuse the open ones.
    for (let i = 0; i < 2; i++) await c.request('GET', LIST);
    const opened = proxy.connections;
    for (let i = 0; i < 20; i++) await c.request('GET', LIST);
    assert.equal(proxy.connections, opened, 'a sequential request opened a new connection');
  });

  test('5xx answers are retried with exponential back-off until one succeeds', async () => {
    const c = client();
    proxy.fail(3, status(503, 'ServiceUnavailable'));
    const { value, seen, gaps } = await seenDuring(() => c.request<{ kind: string }>('GET', LIST));
    assert.equal(value?.kind, 'ConfigMapList');
    assert.equal(seen.length, 4);
    // Waits drawn from [50, 100), [100, 200), [200, 400) ms.
    gaps.forEach((gap, i) => assert.ok(gap >= 50 * 2 ** i - 2, `retry ${i + 1} after ${gap.toFixed(0)} ms`));
  });

  test('429 is retried after the Retry-After it carries', async () => {
    const c = client();
    proxy.fail(1, tooManyRequests);
    const { value, seen, gaps } = await seenDuring(() => c.request<{ kind: string }>('GET', LIST));
    assert.equal(value?.kind, 'ConfigMapList');
    assert.equal(seen.length, 2);
    assert.ok(gaps[0] >= 990, `retried ${gaps[0].toFixed(0)} ms after a Retry-After of 1 s`);
  });

  test('other 4xx answers are not retried, and come back as the server\'s Status', async () => {
    const c = client();
    proxy.fail(1, status(409, 'Conflict'));
    const { error, seen } = await seenDuring(() => c.request('GET', LIST));
    assert.ok(error instanceof StatusError);
    assert.equal(error.code, 409);
    assert.equal(error.reason, 'Conflict');
    assert.equal(seen.length, 1);
  });

  test('gives up after maxAttempts with the last answer', async () => {
    const c = client({ maxAttempts: 3 });
    proxy.fail(3, status(500, 'InternalError'));
    const { error, seen } = await seenDuring(() => c.request('GET', LIST));
    assert.ok(error instanceof StatusError);
    assert.equal(error.code, 500);
    assert.equal(seen.length, 3);
  });

  test('a reset connection is retried', async () => {
    const c = client();
    proxy.fail(2, 'reset');
    const { value, seen } = await seenDuring(() => c.request<{ kind: string }>('GET', LIST));
    assert.equal(value?.kind, 'ConfigMapList');
    assert.equal(seen.length, 3);
  });

  test('a refused address is failed over to the next one', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const c = client({ servers: [deadUrl, proxy.url] });
    const { value, seen } = await seenDuring(() => c.request<{ kind: string }>('GET', LIST));
    assert.equal(value?.kind, 'ConfigMapList');
    assert.equal(seen.length, 1);
    assert.equal(c.server, proxy.url, 'later requests go to the address that answered');
  });
});

describe('FencedApiClient (the component\'s client)', () => {
  const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } });

  function fenced(mayWrite: () => boolean) {
    const c = new FencedApiClient({ servers: [proxy.url] }, mayWrite);
    clients.push(c);
    return c;
  }

  test('writes are retried on 5xx and after a 429\'s Retry-After', async () => {
    const c = fenced(() => true);
    proxy.fail(1, status(503, 'ServiceUnavailable'));
    proxy.fail(1, tooManyRequests);
    const { value, seen, gaps } = await seenDuring(() => c.request<{ metadata: { name: string } }>('POST', LIST, { body: configMap('fenced-retried') }));
    assert.equal(value?.metadata.name, 'fenced-retried');
    assert.equal(seen.length, 3);
    assert.ok(gaps[1] >= 990, `retried ${gaps[1].toFixed(0)} ms after a Retry-After of 1 s`);
  });

  test('every attempt asks whether this replica still leads: a retry after leadership ended is not sent', async () => {
    let leading = true;
    const c = fenced(() => leading);
    proxy.fail(1, status(503, 'ServiceUnavailable'));
    const first = proxy.requests.length + 1;
    const write = seenDuring(() => c.request('POST', LIST, { body: configMap('fenced-lost') }));
    // The first attempt gets the 503; leadership ends before the back-off is over.
    await proxy.untilRequests(first);
    leading = false;
    const { error, seen } = await write;
    assert.ok(error instanceof NotLeaderError, String(error));
    assert.equal(seen.length, 1);

    const { error: refused, seen: none } = await seenDuring(() => c.request('DELETE', `${LIST}/anything`));
    assert.ok(refused instanceof NotLeaderError);
    assert.equal(none.length, 0, 'a write refused by the fence never leaves the process');
    const { value } = await seenDuring(() => c.request<{ kind: string }>('GET', LIST));
    assert.equal(value?.kind, 'ConfigMapList', 'reads are not fenced');
  });
});
