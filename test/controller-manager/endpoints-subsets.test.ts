// Endpoints subsets as kube packs and truncates them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSubset } from '../../shared/api/core.ts';
import { repackSubsets, truncateSubsets } from '../../controller-manager/controllers/endpoints-subsets.ts';

const addr = (ip: string, uid = ip) => ({ ip, targetRef: { kind: 'Pod', uid } });
const port = (name: string, p: number) => ({ name, port: p, protocol: 'TCP' as const });

describe('repackSubsets', () => {
  test('addresses serving the same ports share one subset, sorted by IP', () => {
    const out = repackSubsets([
      { addresses: [addr('10.0.0.2')], ports: [port('http', 80)] },
      { addresses: [addr('10.0.0.1')], ports: [port('http', 80)] },
      { notReadyAddresses: [addr('10.0.0.3')], ports: [port('http', 80)] },
    ]);
    assert.deepEqual(out, [{ addresses: [addr('10.0.0.1'), addr('10.0.0.2')], notReadyAddresses: [addr('10.0.0.3')], ports: [port('http', 80)] }]);
  });

  test('ports served by the same addresses are merged; different address sets stay apart', () => {
    const out = repackSubsets([
      { addresses: [addr('10.0.0.1')], ports: [port('http', 80)] },
      { addresses: [addr('10.0.0.1')], ports: [port('admin', 81)] },
      { addresses: [addr('10.0.0.2')], ports: [port('http', 80)] },
    ]);
    assert.deepEqual(out, [
      { addresses: [addr('10.0.0.1')], ports: [port('admin', 81)] },
      { addresses: [addr('10.0.0.1'), addr('10.0.0.2')], ports: [port('http', 80)] },
    ]);
  });

  test('an address listed both ready and not ready counts as ready; subsets without ports are kept', () => {
    const out = repackSubsets([
      { notReadyAddresses: [addr('10.0.0.1')] },
      { addresses: [addr('10.0.0.1')] },
      { addresses: [addr('10.0.0.2')] },
    ]);
    assert.deepEqual(out, [{ addresses: [addr('10.0.0.1'), addr('10.0.0.2')] }]);
  });

  test('the same IP from two pods (uids) is two addresses', () => {
    const out = repackSubsets([{ addresses: [addr('10.0.0.1', 'a'), addr('10.0.0.1', 'b')], ports: [port('', 80)] }]);
    assert.equal(out[0].addresses!.length, 2);
  });
});

describe('truncateSubsets', () => {
  const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => addr(`${prefix}.${Math.floor(i / 250)}.${i % 250}`));

  test('under capacity nothing changes', () => {
    const subsets: EndpointSubset[] = [{ addresses: many('10.0', 10) }];
    assert.equal(truncateSubsets(subsets), false);
    assert.equal(subsets[0].addresses!.length, 10);
  });

  test('too many ready addresses: 1000 kept, shared in proportion, not-ready ones dropped', () => {
    const subsets: EndpointSubset[] = [
      { addresses: many('10.0', 900), notReadyAddresses: many('10.9', 5), ports: [port('a', 1)] },
      { addresses: many('10.1', 300), ports: [port('b', 2)] },
    ];
    assert.equal(truncateSubsets(subsets), true);
    assert.equal(subsets[0].addresses!.length, 750);
    assert.equal(subsets[1].addresses!.length, 250);
    assert.equal(subsets[0].notReadyAddresses, undefined);
  });

  test('ready addresses all fit: not-ready ones fill what is left', () => {
    const subsets: EndpointSubset[] = [
      { addresses: many('10.0', 900), notReadyAddresses: many('10.9', 200) },
    ];
    assert.equal(truncateSubsets(subsets), true);
    assert.equal(subsets[0].addresses!.length, 900);
    assert.equal(subsets[0].notReadyAddresses!.length, 100);
  });
});
