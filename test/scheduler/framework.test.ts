// The scheduling framework's arithmetic, against kube's: how many nodes to score, the FitError
// message, score normalization, LeastAllocated and BalancedAllocation, PodTopologySpread's default
// spreading, and random tie-breaking.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultNormalizeScore, fitErrorMessage, numFeasibleNodesToFind, prioritizeNodes, selectHost } from '../../scheduler/framework.ts';
import { NodeInfo } from '../../scheduler/node-info.ts';
import { podInfoOf } from '../../scheduler/pod-info.ts';
import { leastAllocated } from '../../scheduler/plugins/least-allocated.ts';
import { balancedAllocation } from '../../scheduler/plugins/balanced-allocation.ts';
import { podTopologySpread } from '../../scheduler/plugins/pod-topology-spread.ts';
import { nodeObject, podObject } from './fixtures.ts';

const nodeInfo = (name: string, cpu: string, memory: string) => {
  const n = new NodeInfo(name);
  n.setNode(nodeObject(name, { cpu, memory }));
  return n;
};

describe('numFeasibleNodesToFind (percentageOfNodesToScore)', () => {
  test('adaptive by default', () => {
    assert.equal(numFeasibleNodesToFind(0, 50), 50); // fewer than 100 nodes: all of them
    assert.equal(numFeasibleNodesToFind(0, 100), 100);
    assert.equal(numFeasibleNodesToFind(0, 1000), 420); // 50% - 1000/125 = 42%
    assert.equal(numFeasibleNodesToFind(0, 5000), 500); // 50% - 40 = 10%
    assert.equal(numFeasibleNodesToFind(0, 20000), 1000); // floor of 5%
    assert.equal(numFeasibleNodesToFind(0, 150), 100); // 49% would be 73: at least 100
  });
  test('an explicit percentage', () => {
    assert.equal(numFeasibleNodesToFind(100, 1000), 1000);
    assert.equal(numFeasibleNodesToFind(10, 5000), 500);
    assert.equal(numFeasibleNodesToFind(1, 1000), 100);
  });
});

test('FitError message: counts per reason, sorted as strings', () => {
  const reasons = new Map([['Insufficient cpu', 3], ["node(s) didn't match Pod's node affinity/selector", 10], ['Insufficient memory', 3]]);
  assert.equal(fitErrorMessage(16, reasons), "0/16 nodes are available: 10 node(s) didn't match Pod's node affinity/selector, 3 Insufficient cpu, 3 Insufficient memory.");
  assert.equal(fitErrorMessage(0, new Map()), '0/0 nodes are available:');
});

test('DefaultNormalizeScore', () => {
  const s = Float64Array.from([0, 2, 4]);
  defaultNormalizeScore(s, false);
  assert.deepEqual([...s], [0, 50, 100]);
  const r = Float64Array.from([0, 1, 3]);
  defaultNormalizeScore(r, true);
  assert.deepEqual([...r], [100, 67, 0]);
  const zero = Float64Array.from([0, 0]);
  defaultNormalizeScore(zero, true);
  assert.deepEqual([...zero], [100, 100]);
});

test('LeastAllocated and BalancedAllocation (kube\'s worked examples)', () => {
  // Node 4000m / 10000 bytes, empty; pod 3000m / 5000: cpu (1000*100/4000)=25, memory 50 -> 37.
  const node = nodeInfo('n', '4', '10000');
  const pod = podInfoOf(podObject('p', { cpu: '3', memory: '5000' }));
  assert.equal(leastAllocated.preScore(pod, [node], [node])!.score(node), 37);
  // Fractions 0.75 and 0.5: 100 * (1 - 0.125) = 87.
  assert.equal(balancedAllocation.preScore(pod, [node], [node])!.score(node), 87);
  // A pod without requests counts as 100m / 200Mi for LeastAllocated and is skipped by BalancedAllocation.
  const empty = podInfoOf(podObject('e'));
  const big = nodeInfo('big', '1', '400Mi');
  assert.equal(leastAllocated.preScore(empty, [big], [big])!.score(big), Math.trunc((90 + 50) / 2));
  assert.equal(balancedAllocation.preScore(empty, [big], [big]), null);
});

test('PodTopologySpread default spreading by owner', () => {
  const nodes = ['a', 'b', 'c'].map((n) => nodeInfo(n, '4', '16Gi'));
  // Owner "web" has 0, 1 and 2 pods on a, b, c.
  nodes[1].addPod(podInfoOf(podObject('w1', { owner: 'web' })));
  nodes[2].addPod(podInfoOf(podObject('w2', { owner: 'web' })));
  nodes[2].addPod(podInfoOf(podObject('w3', { owner: 'web' })));
  nodes[0].addPod(podInfoOf(podObject('other', { owner: 'db' })));
  const scorer = podTopologySpread.preScore(podInfoOf(podObject('new', { owner: 'web' })), nodes, nodes)!;
  // Raw: round(count * ln(3 + 2) + (3 - 1)) = 2, 4, 5; normalized 100 * (max + min - s) / max.
  const raw = Float64Array.from(nodes.map((n) => scorer.score(n)));
  assert.deepEqual([...raw], [2, 4, 5]);
  scorer.normalize!(raw, nodes);
  assert.deepEqual([...raw], [100, 60, 40]);
  assert.equal(podTopologySpread.preScore(podInfoOf(podObject('orphan')), nodes, nodes), null);
  // Weighted sum over all default scores: the emptiest node for this owner wins.
  const total = prioritizeNodes([leastAllocated, podTopologySpread], podInfoOf(podObject('new2', { owner: 'web', cpu: '100m' })), nodes, nodes);
  assert.equal(selectHost(total), 0);
});

test('selectHost breaks ties at random, uniformly', () => {
  const scores = Float64Array.from([5, 9, 9, 1, 9]);
  const seen = new Map<number, number>();
  for (let i = 0; i < 3000; i++) {
    const pick = selectHost(scores);
    seen.set(pick, (seen.get(pick) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), [1, 2, 4]);
  for (const n of seen.values()) assert.ok(n > 800 && n < 1200, `picks ${JSON.stringify([...seen])}`);
});
