// limit/continue pagination as kube-apiserver serves it from etcd: every page is read at the
// resourceVersion of the first, so writes made between pages (creates, updates, deletes) do not show
// in later pages; with a selector, limit counts matching items; remainingItemCount when unfiltered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';
import { assertOk, assertStatus, configMap, configMapsPath, namespace, namespacesPath } from '../fixtures/api-objects.ts';

let server: ApiServerProcess;
const NS = 'paging';
const TOTAL = 25;
const path = configMapsPath(NS);
const nameOf = (i: number) => `page-${String(i).padStart(2, '0')}`;
const expectedNames = Array.from({ length: TOTAL }, (_, i) => nameOf(i));

before(async () => {
  server = await startApiServer();
  assertOk(await call(server.url, 'POST', namespacesPath, namespace(NS)), 201);
  for (let i = 0; i < TOTAL; i++) {
    assertOk(await call(server.url, 'POST', path, configMap(nameOf(i), { labels: { parity: i % 2 ? 'odd' : 'even' }, data: { version: 'original' } })), 201);
  }
});
after(async () => { await server?.cleanup(); });

interface Page { items: any[]; metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number } }
const getPage = async (query: string): Promise<Page> => assertOk(await call(server.url, 'GET', `${path}?${query}`));

/** Follows continue tokens to the end, running `between` after the first page. */
async function listAll(query: string, between?: () => Promise<void>): Promise<Page[]> {
  const pages: Page[] = [await getPage(query)];
  if (between) await between();
  while (pages.at(-1)!.metadata.continue) {
    pages.push(await getPage(`${query}&continue=${encodeURIComponent(pages.at(-1)!.metadata.continue!)}`));
  }
  return pages;
}

test('25 objects with limit=10: pages of 10, 10 and 5, in key order, continue on all but the last', async () => {
  const pages = await listAll('limit=10');
  assert.deepEqual(pages.map((p) => p.items.length), [10, 10, 5]);
  assert.deepEqual(pages.flatMap((p) => p.items.map((i) => i.metadata.name)), expectedNames);
  assert.equal(typeof pages[0].metadata.continue, 'string');
  assert.equal(typeof pages[1].metadata.continue, 'string');
  assert.equal(pages[2].metadata.continue, undefined, 'the last page has no continue token');
  const rv = pages[0].metadata.resourceVersion;
  for (const p of pages) assert.equal(p.metadata.resourceVersion, rv, 'every page is at the first page\'s resourceVersion');
});

test('unfiltered pages carry remainingItemCount, as kube\'s etcd3 store sets it', async () => {
  const pages = await listAll('limit=10');
  assert.deepEqual(pages.map((p) => p.metadata.remainingItemCount), [15, 5, undefined]);
});

test('writes between pages do not show: later pages stay at the first page\'s revision', async () => {
  let createdRv = '';
  const pages = await listAll('limit=10', async () => {
    // A new object in the middle of the range still to be read, one at its end, an update and a delete.
    createdRv = assertOk(await call(server.url, 'POST', path, configMap('page-15a', { labels: { parity: 'odd' } })), 201).metadata.resourceVersion;
    assertOk(await call(server.url, 'POST', path, configMap('page-99', { labels: { parity: 'odd' } })), 201);
    assertOk(await call(server.url, 'PATCH', `${path}/${nameOf(17)}`, { data: { version: 'changed' } }, 'application/merge-patch+json'));
    assertOk(await call(server.url, 'DELETE', `${path}/${nameOf(22)}`));
  });
  const items = pages.flatMap((p) => p.items);
  assert.deepEqual(items.map((i) => i.metadata.name), expectedNames, 'neither the created nor the deleted object changes what later pages hold');
  assert.equal(items.find((i) => i.metadata.name === nameOf(17)).data.version, 'original');
  const rv = pages[0].metadata.resourceVersion;
  for (const p of pages) assert.equal(p.metadata.resourceVersion, rv);
  assert.ok(Number(createdRv) > Number(rv));

  // A fresh list sees the changes.
  const now = (await listAll('limit=10')).flatMap((p) => p.items);
  const names = now.map((i) => i.metadata.name);
  assert.ok(names.includes('page-15a') && names.includes('page-99') && !names.includes(nameOf(22)));
  assert.equal(now.find((i) => i.metadata.name === nameOf(17)).data.version, 'changed');

  // Put things back for the other tests.
  assertOk(await call(server.url, 'DELETE', `${path}/page-15a`));
  assertOk(await call(server.url, 'DELETE', `${path}/page-99`));
  assertOk(await call(server.url, 'POST', path, configMap(nameOf(22), { labels: { parity: 'even' }, data: { version: 'original' } })), 201);
  assertOk(await call(server.url, 'PATCH', `${path}/${nameOf(17)}`, { data: { version: 'original' } }, 'application/merge-patch+json'));
});

test('with a label selector, limit counts matching items', async () => {
  const pages = await listAll(`labelSelector=${encodeURIComponent('parity=odd')}&limit=5`);
  // 12 odd objects: pages of 5, 5, 2 (kube keeps reading until a page has `limit` matches).
  assert.deepEqual(pages.map((p) => p.items.length).slice(0, 2), [5, 5]);
  const names = pages.flatMap((p) => p.items.map((i) => i.metadata.name));
  assert.deepEqual(names, expectedNames.filter((_, i) => i % 2 === 1));
  for (const p of pages) {
    assert.equal(p.metadata.resourceVersion, pages[0].metadata.resourceVersion);
    assert.equal(p.metadata.remainingItemCount, undefined, 'no remainingItemCount for a filtered list');
  }
  assert.equal(pages.at(-1)!.metadata.continue, undefined);
});

test('limit larger than the collection: one page, no continue', async () => {
  const page = await getPage('limit=500');
  assert.equal(page.items.length, TOTAL);
  assert.equal(page.metadata.continue, undefined);
  assert.equal(page.metadata.remainingItemCount, undefined);
});

test('limit exactly the collection size ends without an empty extra page', async () => {
  const page = await getPage(`limit=${TOTAL}`);
  assert.equal(page.items.length, TOTAL);
  assert.equal(page.metadata.continue, undefined, 'etcd reports no more keys, so kube sends no continue token');
});

test('a cluster-wide paged list walks namespaces in order', async () => {
  const pages: Page[] = [];
  let token: string | undefined;
  do {
    const res = assertOk(await call(server.url, 'GET', `/api/v1/configmaps?limit=7${token ? `&continue=${encodeURIComponent(token)}` : ''}`));
    pages.push(res);
    token = res.metadata.continue;
  } while (token);
  const ours = pages.flatMap((p) => p.items).filter((i) => i.metadata.namespace === NS).map((i) => i.metadata.name);
  assert.deepEqual(ours, expectedNames);
  for (const p of pages) assert.equal(p.metadata.resourceVersion, pages[0].metadata.resourceVersion);
});

test('continue with a resourceVersion, or a garbled token, is 400', async () => {
  const first = await getPage('limit=10');
  assertStatus(await call(server.url, 'GET', `${path}?limit=10&resourceVersion=${first.metadata.resourceVersion}&continue=${encodeURIComponent(first.metadata.continue!)}`), 400, 'BadRequest');
  assertStatus(await call(server.url, 'GET', `${path}?limit=10&continue=not-a-token`), 400, 'BadRequest');
});
