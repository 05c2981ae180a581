// GET pods/log: kube's LogREST. The container is checked against the pod's spec (kube's messages),
// then the request is proxied to the pod's kubelet, found from its Node (InternalIP, and
// daemonEndpoints.kubeletEndpoint.Port), at /containerLogs/<ns>/<pod>/<container>; the kubelet's
// answer streams through (so `kubectl logs -f` follows) and its errors become Status objects.
import { request } from 'undici';
import type { ApiHandler } from './types.ts';
import { boolParam } from './params.ts';
import { badRequest, invalid, StatusError, type StatusCause } from '../../shared/errors.ts';

interface PodShape {
  metadata: { name?: string; namespace?: string };
  spec?: { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[] };
}
interface NodeShape {
  status?: { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

const DEFAULT_KUBELET_PORT = 10250;

/** kube's validateContainer: the container to show, or a 400 naming the choices. */
function containerOf(pod: PodShape, name: string, wanted: string | undefined): string {
  const containers = pod.spec?.containers ?? [];
  const inits = pod.spec?.initContainers ?? [];
  if (wanted) {
    if (![...containers, ...inits].some((c) => c.name === wanted)) throw badRequest(`container ${wanted} is not valid for pod ${name}`);
    return wanted;
  }
  if (containers.length === 1) return containers[0].name;
  if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
  let message = `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`;
  if (inits.length) message += ` or one of the init containers: [${inits.map((c) => c.name).join(' ')}]`;
  throw badRequest(message);
}

/** ValidatePodLogOptions; the numbers kube takes as int64. */
function logParams(query: Record<string, string | undefined>, name: string): URLSearchParams {
  const causes: StatusCause[] = [];
  const params = new URLSearchParams();
  const int = (field: string, min: number, rule: string) => {
    const raw = query[field];
    if (raw === undefined || raw === '') return;
    const n = Number(raw);
    if (!Number.isInteger(n)) throw badRequest(`${field}: Invalid value: "${raw}": must be an integer`);
    if (n < min) causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${n}: ${rule}` });
    params.set(field, String(n));
  };
  for (const flag of ['follow', 'previous', 'timestamps']) if (boolParam(query[flag])) params.set(flag, 'true');
  int('tailLines', 0, 'must be greater than or equal to 0');
  int('limitBytes', 1, 'must be greater than 0');
  int('sinceSeconds', 1, 'must be greater than 0');
  if (query.sinceTime) {
    if (params.has('sinceSeconds')) causes.push({ reason: 'FieldValueForbidden', field: '', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
    if (Number.isNaN(Date.parse(query.sinceTime))) throw badRequest(`sinceTime: Invalid value: "${query.sinceTime}": not an RFC 3339 time`);
    params.set('sinceTime', query.sinceTime);
  }
  if (causes.length) throw invalid('', 'PodLogOptions', name, causes);
  return params;
}

/** What the kubelet said, as the Status kube's GenericHttpResponseChecker makes of it. */
function kubeletError(code: number, body: string, name: string): StatusError {
  const text = body.trim();
  if (code === 400) return badRequest(text);
  if (code === 404) return new StatusError(404, 'NotFound', `the server could not find the requested resource ( pods/log ${name})`);
  if (code === 422) return new StatusError(422, 'Invalid', text);
  return new StatusError(code >= 500 ? code : 500, 'InternalError', text || `the kubelet answered ${code}`);
}

export const logHandler: ApiHandler = async ({ req, reply, info, store, registry, query }) => {
  const pod = (await store.get(info.namespace, info.name)) as PodShape;
  const container = containerOf(pod, info.name, query.container);
  const params = logParams(query, info.name);
  const nodeName = pod.spec?.nodeName;
  // Not scheduled yet: kube answers with an empty log.
  if (!nodeName) return void reply.code(200).type('text/plain').send('');
  const node = (await registry.lookup('', 'v1', 'nodes')!.get('', nodeName)) as NodeShape;
  const addresses = node.status?.addresses ?? [];
  const host = (['InternalIP', 'Hostname', 'ExternalIP'].map((t) => addresses.find((a) => a.type === t)).find(Boolean))?.address;
  if (!host) throw new StatusError(500, 'InternalError', `node ${nodeName} has no address`);
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT;
  const qs = params.toString();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/containerLogs/${encodeURIComponent(info.namespace)}/${encodeURIComponent(info.name)}/${encodeURIComponent(container)}${qs ? `?${qs}` : ''}`;

  const upstream = new AbortController();
  req.raw.once('close', () => upstream.abort());
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, { method: 'GET', signal: upstream.signal, headersTimeout: 30_000, bodyTimeout: 0 });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new StatusError(500, 'InternalError', `Get "${url}": ${cause}`);
  }
  if (res.statusCode < 200 || res.statusCode > 206) throw kubeletError(res.statusCode, await res.body.text(), info.name);

  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  out.flushHeaders();
  try {
    for await (const chunk of res.body) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => { out.once('drain', resolve); out.once('close', resolve); });
      if (out.destroyed) break;
    }
  } catch {
    // The client went away (or the kubelet did): end what was sent.
  } finally {
    upstream.abort();
    if (!out.destroyed) out.end();
  }
};
