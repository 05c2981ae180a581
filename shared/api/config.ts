// core/v1 ConfigMap and Secret. Binary values travel base64-encoded in JSON. A Secret's write-only
// `stringData` is merged into `data` (base64-encoded) on the way in, as the v1 conversion does, and never
// returned.
import { z } from 'zod';
import { always, FieldErrors, key, kubeChecks } from './field-errors.ts';
import { ObjectMeta, StringMap } from './meta.ts';
import { isConfigMapKey } from './names.ts';

/** Both kinds are limited to 1 MiB of payload. */
export const maxPayloadBytes = 1024 * 1024;

/** Go's []byte JSON encoding: standard base64 with padding. Returns the decoded size, or -1 when malformed. */
function base64Size(value: string): number {
  const s = value.replace(/[\r\n]/g, '');
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return -1;
  return (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);
}

function validateBinaryMap(data: Record<string, string> | undefined, errs: FieldErrors, field: string): number {
  let size = 0;
  for (const [k, v] of Object.entries(data ?? {})) {
    errs.invalidEach([field, key(k)], k, isConfigMapKey(k));
    const n = base64Size(v);
    if (n < 0) errs.invalid([field, key(k)], '<contents redacted>', 'illegal base64 data');
    else size += n;
  }
  return size;
}

export const ConfigMap = z.object({
  apiVersion: z.literal('v1').default('v1'),
  kind: z.literal('ConfigMap').default('ConfigMap'),
  metadata: ObjectMeta.prefault({}),
  immutable: z.boolean().optional(),
  data: StringMap.optional(),
  binaryData: StringMap.optional(),
}).superRefine(kubeChecks((cm, errs) => {
  let size = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    errs.invalidEach(['data', key(k)], k, isConfigMapKey(k));
    if (cm.binaryData && Object.hasOwn(cm.binaryData, k)) errs.invalid(['data', key(k)], k, 'duplicate of key present in binaryData');
    size += Buffer.byteLength(v);
  }
  size += validateBinaryMap(cm.binaryData, errs, 'binaryData');
  for (const k of Object.keys(cm.binaryData ?? {})) {
    if (cm.data && Object.hasOwn(cm.data, k)) errs.invalid(['binaryData', key(k)], k, 'duplicate of key present in data');
  }
  if (size > maxPayloadBytes) errs.tooLong([], maxPayloadBytes);
}), always);
export type ConfigMap = z.infer<typeof ConfigMap>;
export type ConfigMapInput = z.input<typeof ConfigMap>;

export const SecretType = {
  Opaque: 'Opaque',
  ServiceAccountToken: 'kubernetes.io/service-account-token',
  Dockercfg: 'kubernetes.io/dockercfg',
  DockerConfigJson: 'kubernetes.io/dockerconfigjson',
  BasicAuth: 'kubernetes.io/basic-auth',
  SSHAuth: 'kubernetes.io/ssh-auth',
  TLS: 'kubernetes.io/tls',
} as const;

/** Keys each well-known secret type must carry in `data`. */
const requiredKeys: Record<string, string[]> = {
  [SecretType.Dockercfg]: ['.dockercfg'],
  [SecretType.DockerConfigJson]: ['.dockerconfigjson'],
  [SecretType.SSHAuth]: ['ssh-privatekey'],
  [SecretType.TLS]: ['tls.crt', 'tls.key'],
};

export const Secret = z.object({
  apiVersion: z.literal('v1').default('v1'),
  kind: z.literal('Secret').default('Secret'),
  metadata: ObjectMeta.prefault({}),
  immutable: z.boolean().optional(),
  data: StringMap.optional(),
  /** Write-only convenience: plain strings, merged into `data` (and winning over it). */
  stringData: StringMap.optional(),
  type: z.string().default(SecretType.Opaque),
}).overwrite((s) => {
  if (s.type === '') s.type = SecretType.Opaque;
  if (s.stringData) {
    s.data = { ...s.data };
    for (const [k, v] of Object.entries(s.stringData)) s.data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete s.stringData;
  }
  return s;
}).superRefine(kubeChecks((s, errs) => {
  const size = validateBinaryMap(s.data, errs, 'data');
  if (size > maxPayloadBytes) errs.tooLong(['data'], maxPayloadBytes);
  const data = s.data ?? {};
  if (s.type === SecretType.ServiceAccountToken) {
    const annotation = 'kubernetes.io/service-account.name';
    if (!s.metadata.annotations?.[annotation]) errs.required(['metadata', 'annotations', key(annotation)]);
  } else if (s.type === SecretType.BasicAuth) {
    if (!Object.hasOwn(data, 'username') && !Object.hasOwn(data, 'password')) {
      errs.required(['data', key('username')]);
      errs.required(['data', key('password')]);
    }
  } else {
    for (const k of requiredKeys[s.type] ?? []) if (!Object.hasOwn(data, k)) errs.required(['data', key(k)]);
  }
}), always);
export type Secret = z.infer<typeof Secret>;
export type SecretInput = z.input<typeof Secret>;
