// Message descriptors as data: which proto field number carries which JSON field, and how Go's encoding/json
// renders the Go field it is decoded into. The tables (messages-*.ts) use a one-line notation per field,
// in the order the Go struct declares its fields (the order Go's JSON writes them):
//
//   '<number> <name> <type>[ omitempty][ inline]'
//
// <name> is the JSON name from the Go struct's json tag (for an inline field, the proto name; it is not written).
// <type> is Go-like: a scalar (string, bool, int32, int64, float64, bytes), a message (`Container` in the same
// package, `meta.v1.ObjectMeta` in another), `*T` (a Go pointer: written on the wire only when set, so a zero
// value that is present is kept), `[]T` (proto `repeated`) or `map[K]V` (proto `map<K, V>`).
// `omitempty` is the json tag's option; `inline` is `json:",inline"` (the message's fields join the parent's).
import { appsMessages } from './messages-apps.ts';
import { autoscalingMessages } from './messages-autoscaling.ts';
import { batchMessages } from './messages-batch.ts';
import { coordinationMessages } from './messages-coordination.ts';
import { coreContainerMessages } from './messages-core-container.ts';
import { corePodMessages } from './messages-core-pod.ts';
import { coreVolumeMessages } from './messages-core-volume.ts';
import { coreMessages } from './messages-core.ts';
import { discoveryMessages } from './messages-discovery.ts';
import { metaMessages } from './messages-meta.ts';

/** Message name (`core.v1.Pod`) -> its fields in the notation above. */
export type MessageTable = Readonly<Record<string, readonly string[]>>;

export const SCALAR_TYPES = ['string', 'bool', 'int32', 'int64', 'float64', 'bytes'] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];

export type ValueType = { scalar: ScalarType } | { message: string };

export interface FieldDescriptor {
  number: number;
  name: string;
  /** single: a Go value field; pointer: a Go pointer; repeated: a slice; map: a map (value in `value`, key in `mapKey`). */
  cardinality: 'single' | 'pointer' | 'repeated' | 'map';
  value: ValueType;
  mapKey?: ScalarType;
  omitEmpty: boolean;
  inline: boolean;
}

export interface MessageDescriptor {
  name: string;
  /** In Go struct order. */
  fields: readonly FieldDescriptor[];
  byNumber: ReadonlyMap<number, FieldDescriptor>;
}

const isScalar = (t: string): t is ScalarType => (SCALAR_TYPES as readonly string[]).includes(t);

const packageOf = (message: string) => message.slice(0, message.lastIndexOf('.'));

function parseValueType(text: string, pkg: string): ValueType {
  if (isScalar(text)) return { scalar: text };
  if (!/^[A-Za-z][\w.]*$/.test(text)) throw new Error(`bad type ${JSON.stringify(text)}`);
  return { message: text.includes('.') ? text : `${pkg}.${text}` };
}

export function parseField(entry: string, message: string): FieldDescriptor {
  const [numberText, name, type, ...options] = entry.split(' ');
  const number = Number(numberText);
  if (!Number.isInteger(number) || number < 1 || !name || !type) throw new Error(`${message}: bad field ${JSON.stringify(entry)}`);
  for (const o of options) if (o !== 'omitempty' && o !== 'inline') throw new Error(`${message}: bad option ${o}`);
  const pkg = packageOf(message);
  const field = { number, name, omitEmpty: options.includes('omitempty'), inline: options.includes('inline') };
  const map = /^map\[(\w+)\](.+)$/.exec(type);
  if (map) {
    const key = parseValueType(map[1], pkg);
    if (!('scalar' in key)) throw new Error(`${message}: map key must be a scalar in ${entry}`);
    return { ...field, cardinality: 'map', mapKey: key.scalar, value: parseValueType(map[2], pkg) };
  }
  if (type.startsWith('[]')) return { ...field, cardinality: 'repeated', value: parseValueType(type.slice(2), pkg) };
  if (type.startsWith('*')) return { ...field, cardinality: 'pointer', value: parseValueType(type.slice(1), pkg) };
  return { ...field, cardinality: 'single', value: parseValueType(type, pkg) };
}

function buildRegistry(tables: MessageTable[]): Map<string, MessageDescriptor> {
  const registry = new Map<string, MessageDescriptor>();
  for (const table of tables) {
    for (const [name, entries] of Object.entries(table)) {
      if (registry.has(name)) throw new Error(`message ${name} is described twice`);
      const fields = entries.map((e) => parseField(e, name));
      const byNumber = new Map(fields.map((f) => [f.number, f]));
      if (byNumber.size !== fields.length) throw new Error(`message ${name} repeats a field number`);
      registry.set(name, { name, fields, byNumber });
    }
  }
  for (const m of registry.values()) {
    for (const f of m.fields) {
      if ('message' in f.value && !registry.has(f.value.message)) throw new Error(`${m.name}.${f.name} refers to unknown message ${f.value.message}`);
      if (f.inline && (f.cardinality !== 'single' || !('message' in f.value))) throw new Error(`${m.name}.${f.name}: only a message value can be inline`);
    }
  }
  return registry;
}

export const MESSAGES: ReadonlyMap<string, MessageDescriptor> = buildRegistry([
  metaMessages, coreMessages, corePodMessages, coreContainerMessages, coreVolumeMessages,
  appsMessages, batchMessages, coordinationMessages, discoveryMessages, autoscalingMessages,
]);

export function messageDescriptor(name: string): MessageDescriptor {
  const m = MESSAGES.get(name);
  if (!m) throw new Error(`no protobuf descriptor for message ${name}`);
  return m;
}

/** The top-level kinds a request body may carry, by `apiVersion` and `kind` of the envelope. */
const TOP_LEVEL_KINDS: Readonly<Record<string, string>> = {
  'v1/Namespace': 'core.v1.Namespace',
  'v1/Node': 'core.v1.Node',
  'v1/Pod': 'core.v1.Pod',
  'v1/Service': 'core.v1.Service',
  'v1/Endpoints': 'core.v1.Endpoints',
  'v1/ConfigMap': 'core.v1.ConfigMap',
  'v1/Secret': 'core.v1.Secret',
  'v1/Event': 'core.v1.Event',
  'v1/Binding': 'core.v1.Binding',
  'apps/v1/Deployment': 'apps.v1.Deployment',
  'apps/v1/ReplicaSet': 'apps.v1.ReplicaSet',
  'apps/v1/DaemonSet': 'apps.v1.DaemonSet',
  'batch/v1/Job': 'batch.v1.Job',
  'coordination.k8s.io/v1/Lease': 'coordination.v1.Lease',
  'discovery.k8s.io/v1/EndpointSlice': 'discovery.v1.EndpointSlice',
  'autoscaling/v1/Scale': 'autoscaling.v1.Scale',
};

/**
 * The message for a body's type. DeleteOptions is registered in every group version (metav1.AddToGroupVersion),
 * so a typed client sends it as `apps/v1, Kind=DeleteOptions`, `v1, Kind=DeleteOptions`, ... as well as meta.k8s.io/v1.
 */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  if (kind === 'DeleteOptions') return 'meta.v1.DeleteOptions';
  return TOP_LEVEL_KINDS[`${apiVersion}/${kind}`];
}
