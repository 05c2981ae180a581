// The event recorder against a real API server: a repeat of the same event (object, type, reason,
// message) bumps count and lastTimestamp of the Event already written instead of writing a new one,
// as client-go's EventCorrelator does; any other difference is an Event of its own; events about
// cluster-scoped objects go to "default"; an aggregated Event that was deleted is written afresh.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from '../../shared/api/event.ts';
import { resources } from '../../shared/api/registry.ts';
import { ApiClient } from '../../shared/client/api-client.ts';
import { ResourceClient } from '../../shared/client/resource-client.ts';
import { EventRecorder } from '../../shared/events.ts';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';

let api: ApiServerProcess;
let client: ApiClient;
let events: ResourceClient<Event>;
before(async () => {
  api = await startApiServer();
  client = new ApiClient({ servers: [api.url] });
  events = new ResourceClient<Event>(client, resources.events);
});
after(async () => {
  await client?.close();
  await api?.cleanup();
});

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7' } });
const about = async (namespace: string, name: string) => (await events.list(namespace, { fieldSelector: `involvedObject.name=${name}` })).items;

describe('EventRecorder', () => {
  test('repeats of one event are one Event whose count and lastTimestamp go up', async () => {
    const recorder = new EventRecorder(client, 'test-controller', 'host-1');
    recorder.event(pod('repeated'), 'Warning', 'BackOff', 'Back-off restarting failed container');
    await recorder.flush();
    const [first] = await about('default', 'repeated');
    // Timestamps have second precision: let the repeats fall in a later second.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (let i = 0; i < 4; i++) recorder.event(pod('repeated'), 'Warning', 'BackOff', 'Back-off restarting failed container');
    await recorder.flush();
    const written = await about('default', 'repeated');
    assert.equal(written.length, 1);
    const [event] = written;
    assert.equal(event.metadata?.name, first.metadata?.name);
    assert.match(event.metadata!.name!, /^repeated\.[0-9a-f]{16}$/);
    assert.equal(event.count, 5);
    assert.equal(event.firstTimestamp, first.firstTimestamp);
    assert.ok(Date.parse(event.lastTimestamp!) > Date.parse(first.lastTimestamp!), `${event.lastTimestamp} after ${first.lastTimestamp}`);
    assert.deepEqual(
      { type: event.type, reason: event.reason, message: event.message, source: event.source, reportingComponent: event.reportingComponent, reportingInstance: event.reportingInstance },
      { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', source: { component: 'test-controller', host: 'host-1' }, reportingComponent: 'test-controller', reportingInstance: 'host-1' },
    );
    assert.deepEqual(event.involvedObject, { kind: 'Pod', namespace: 'default', name: 'repeated', uid: 'uid-repeated', apiVersion: 'v1', resourceVersion: '7' });
  });

  test('another type, reason, message or object is another Event', async () => {
    const recorder = new EventRecorder(client, 'test-controller');
    recorder.event(pod('varied'), 'Normal', 'Pulled', 'image pulled');
    recorder.event(pod('varied'), 'Normal', 'Pulled', 'image pulled again');
    recorder.event(pod('varied'), 'Normal', 'Created', 'image pulled');
    recorder.event(pod('varied'), 'Warning', 'Pulled', 'image pulled');
    recorder.event(pod('varied-too'), 'Normal', 'Pulled', 'image pulled');
    await recorder.flush();
    const written = await about('default', 'varied');
    assert.equal(written.length, 4);
    assert.ok(written.every((e) => e.count === 1));
    assert.equal((await about('default', 'varied-too')).length, 1);
  });

  test('events about a cluster-scoped object are written in "default"', async () => {
    const recorder = new EventRecorder(client, 'node-controller');
    recorder.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-x', uid: 'uid-node-x' } }, 'Normal', 'RegisteredNode', 'Node node-x event: Registered Node node-x');
    await recorder.flush();
    const [event] = await about('default', 'node-x');
    assert.equal(event.involvedObject.kind, 'Node');
    assert.equal(event.involvedObject.namespace, undefined);
  });

  test('a repeat of an Event deleted meanwhile writes it afresh; past the aggregation window too', async () => {
    const recorder = new EventRecorder(client, 'test-controller', '', undefined, 1_500);
    recorder.event(pod('expired'), 'Normal', 'Killing', 'Stopping container c');
    recorder.event(pod('expired'), 'Normal', 'Killing', 'Stopping container c');
    await recorder.flush();
    const [aggregated] = await about('default', 'expired');
    assert.equal(aggregated.count, 2);
    await events.delete('default', aggregated.metadata!.name!);
    recorder.event(pod('expired'), 'Normal', 'Killing', 'Stopping container c');
    await recorder.flush();
    const [afresh] = await about('default', 'expired');
    assert.equal(afresh.count, 1);
    assert.notEqual(afresh.metadata?.name, aggregated.metadata?.name);

    await new Promise((resolve) => setTimeout(resolve, 1_600));
    recorder.event(pod('expired'), 'Normal', 'Killing', 'Stopping container c');
    await recorder.flush();
    const written = await about('default', 'expired');
    assert.equal(written.length, 2, 'a repeat after the window is a new Event');
    assert.deepEqual(written.map((e) => e.count), [1, 1]);
  });
});
