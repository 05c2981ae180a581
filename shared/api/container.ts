// core/v1 Container and what it is made of (ports, env, resources, probes, mounts), with the defaults of
// SetDefaults_Container/Probe/HTTPGetAction/ContainerPort and the per-container checks of
// pkg/apis/core/validation. Checks that span containers (unique names, mounts of declared volumes) are in pod.ts.
import { z } from 'zod';
import { always, FieldErrors, kubeChecks, key, Printed, type FieldPath } from './field-errors.ts';
import { IntOrString, Loose } from './meta.ts';
import { isDNS1123Label, isEnvVarName, isQualifiedName, isValidPortName, isValidPortNum } from './names.ts';
import { compareQuantities, parseQuantity, Quantity, ResourceList } from './quantity.ts';

/** Port protocols, in the (sorted) order Kubernetes lists them in errors. */
export const Protocol = z.enum(['SCTP', 'TCP', 'UDP']);
export type Protocol = z.infer<typeof Protocol>;

/** ValidatePortNumOrName: a number 1-65535 or an IANA service name. */
export function validatePortNumOrName(port: IntOrString, errs: FieldErrors, path: FieldPath) {
  if (typeof port === 'number') errs.invalidEach(path, port, isValidPortNum(port));
  else errs.invalidEach(path, port, isValidPortName(port));
}

export const ContainerPort = z.object({
  name: z.string().optional(),
  hostPort: z.number().int().optional(),
  containerPort: z.number().int(),
  protocol: Protocol.default('TCP'),
  hostIP: z.string().optional(),
});
export type ContainerPort = z.infer<typeof ContainerPort>;

const KeySelector = z.object({ name: z.string().optional(), key: z.string(), optional: z.boolean().optional() });

export const EnvVarSource = z.object({
  fieldRef: z.object({ apiVersion: z.string().default('v1'), fieldPath: z.string() }).optional(),
  resourceFieldRef: z.object({ containerName: z.string().optional(), resource: z.string(), divisor: Quantity.default('0') }).optional(),
  configMapKeyRef: KeySelector.optional(),
  secretKeyRef: KeySelector.optional(),
});

export const EnvVar = z.object({ name: z.string(), value: z.string().optional(), valueFrom: EnvVarSource.optional() });
export type EnvVar = z.infer<typeof EnvVar>;

const OptionalRef = z.object({ name: z.string().optional(), optional: z.boolean().optional() });
export const EnvFromSource = z.object({ prefix: z.string().optional(), configMapRef: OptionalRef.optional(), secretRef: OptionalRef.optional() });

export const ResourceRequirements = z.object({
  limits: ResourceList.optional(),
  requests: ResourceList.optional(),
  claims: z.array(z.object({ name: z.string(), request: z.string().optional() })).optional(),
});
export type ResourceRequirements = z.infer<typeof ResourceRequirements>;

export const VolumeMount = z.object({
  name: z.string(),
  readOnly: z.boolean().optional(),
  recursiveReadOnly: z.string().optional(),
  mountPath: z.string(),
  subPath: z.string().optional(),
  mountPropagation: z.string().optional(),
  subPathExpr: z.string().optional(),
});
export type VolumeMount = z.infer<typeof VolumeMount>;

export const ExecAction = z.object({ command: z.array(z.string()).optional() });
export const HTTPGetAction = z.object({
  path: z.string().default('/'),
  port: IntOrString,
  host: z.string().optional(),
  scheme: z.enum(['HTTP', 'HTTPS']).default('HTTP'),
  httpHeaders: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
}).overwrite((a) => {
  if (a.path === '') a.path = '/';
  return a;
});
export const TCPSocketAction = z.object({ port: IntOrString, host: z.string().optional() });
export const GRPCAction = z.object({ port: z.number().int(), service: z.string().default('') });
export const SleepAction = z.object({ seconds: z.number().int() });

type Handler = { exec?: unknown; httpGet?: z.infer<typeof HTTPGetAction>; tcpSocket?: z.infer<typeof TCPSocketAction>; grpc?: unknown; sleep?: unknown };

/** validateHandler: exactly one handler, each well formed. */
function validateHandler(h: Handler, errs: FieldErrors, path: FieldPath, kinds: readonly (keyof Handler)[]) {
  let count = 0;
  for (const kind of kinds) {
    if (h[kind] === undefined) continue;
    if (count > 0) {
      errs.forbidden([...path, kind], 'may not specify more than 1 handler type');
      continue;
    }
    count++;
    if (kind === 'exec' && !(h.exec as { command?: string[] }).command?.length) errs.required([...path, 'exec', 'command']);
    if (kind === 'httpGet') validatePortNumOrName(h.httpGet!.port, errs, [...path, 'httpGet', 'port']);
    if (kind === 'tcpSocket') validatePortNumOrName(h.tcpSocket!.port, errs, [...path, 'tcpSocket', 'port']);
    if (kind === 'grpc') errs.invalidEach([...path, 'grpc', 'port'], (h.grpc as { port: number }).port, isValidPortNum((h.grpc as { port: number }).port));
  }
  if (count === 0) errs.required(path, 'must specify a handler type');
}

// Probe numbers are plain int32s in Go: zero means "unset", so zero is defaulted too.
export const Probe = z.object({
  exec: ExecAction.optional(),
  httpGet: HTTPGetAction.optional(),
  tcpSocket: TCPSocketAction.optional(),
  grpc: GRPCAction.optional(),
  initialDelaySeconds: z.number().int().optional(),
  timeoutSeconds: z.number().int().default(1),
  periodSeconds: z.number().int().default(10),
  successThreshold: z.number().int().default(1),
  failureThreshold: z.number().int().default(3),
  terminationGracePeriodSeconds: z.number().int().optional(),
}).overwrite((p) => {
  if (p.timeoutSeconds === 0) p.timeoutSeconds = 1;
  if (p.periodSeconds === 0) p.periodSeconds = 10;
  if (p.successThreshold === 0) p.successThreshold = 1;
  if (p.failureThreshold === 0) p.failureThreshold = 3;
  return p;
}).superRefine(kubeChecks((p, errs) => {
  validateHandler(p, errs, [], ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    errs.nonNegative([f], p[f]);
  }
  if (p.terminationGracePeriodSeconds !== undefined && p.terminationGracePeriodSeconds <= 0) {
    errs.invalid(['terminationGracePeriodSeconds'], p.terminationGracePeriodSeconds, 'must be greater than 0');
  }
}), always);
export type Probe = z.infer<typeof Probe>;

export const LifecycleHandler = z.object({
  exec: ExecAction.optional(),
  httpGet: HTTPGetAction.optional(),
  tcpSocket: TCPSocketAction.optional(),
  sleep: SleepAction.optional(),
}).superRefine(kubeChecks((h, errs) => validateHandler(h, errs, [], ['exec', 'httpGet', 'tcpSocket', 'sleep'])), always);

export const Lifecycle = z.object({
  postStart: LifecycleHandler.optional(),
  preStop: LifecycleHandler.optional(),
  stopSignal: z.string().optional(),
});

export const PullPolicy = z.enum(['Always', 'IfNotPresent', 'Never']);
export type PullPolicy = z.infer<typeof PullPolicy>;

/** parsers.ParseImageName's tag: "latest" when neither a tag nor a digest is given. */
export function imageTag(image: string): string {
  if (!image.trim()) return '';
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : '';
  return tag || (at >= 0 ? '' : 'latest');
}

/** Images without a tag, or tagged :latest, are re-pulled every time; pinned ones only when absent. */
export const defaultPullPolicy = (image: string | undefined): PullPolicy => (imageTag(image ?? '') === 'latest' ? 'Always' : 'IfNotPresent');

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);

function validateResources(res: ResourceRequirements, errs: FieldErrors, path: FieldPath) {
  for (const [field, list] of [['limits', res.limits], ['requests', res.requests]] as const) {
    for (const [name, value] of Object.entries(list ?? {})) {
      const p = [...path, field, key(name)];
      if (!name.includes('/')) {
        if (!standardContainerResources.has(name) && !name.startsWith('hugepages-')) errs.invalid(p, name, 'must be a standard resource for containers');
      } else {
        errs.invalidEach(p, name, isQualifiedName(name));
      }
      if (parseQuantity(value).mantissa < 0n) errs.invalid(p, new Printed(value), 'must be greater than or equal to 0');
    }
  }
  for (const [name, request] of Object.entries(res.requests ?? {})) {
    const limit = res.limits?.[name];
    if (limit !== undefined && compareQuantities(request, limit) > 0) {
      errs.invalid([...path, 'requests'], request, `must be less than or equal to ${name} limit of ${limit}`);
    }
  }
}

export const Container = z.object({
  name: z.string(),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  ports: z.array(ContainerPort).optional(),
  envFrom: z.array(EnvFromSource).optional(),
  env: z.array(EnvVar).optional(),
  resources: ResourceRequirements.prefault({}),
  resizePolicy: z.array(Loose).optional(),
  /** Only for init containers: "Always" makes it a sidecar. */
  restartPolicy: z.enum(['Always']).optional(),
  volumeMounts: z.array(VolumeMount).optional(),
  volumeDevices: z.array(z.object({ name: z.string(), devicePath: z.string() })).optional(),
  livenessProbe: Probe.optional(),
  readinessProbe: Probe.optional(),
  startupProbe: Probe.optional(),
  lifecycle: Lifecycle.optional(),
  terminationMessagePath: z.string().default('/dev/termination-log'),
  terminationMessagePolicy: z.enum(['File', 'FallbackToLogsOnError']).default('File'),
  imagePullPolicy: PullPolicy.optional(),
  securityContext: Loose.optional(),
  stdin: z.boolean().optional(),
  stdinOnce: z.boolean().optional(),
  tty: z.boolean().optional(),
}).overwrite((c) => {
  if (c.terminationMessagePath === '') c.terminationMessagePath = '/dev/termination-log';
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  return c;
}).superRefine(kubeChecks((c, errs) => {
  if (!c.name) errs.required(['name']);
  else errs.invalidEach(['name'], c.name, isDNS1123Label(c.name));
  // Kubernetes requires an image for pods and for pod templates alike.
  if (!c.image) errs.required(['image']);

  const portNames = new Set<string>();
  c.ports?.forEach((port, i) => {
    const path = ['ports', i];
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length) errs.invalidEach([...path, 'name'], port.name, msgs);
      else if (portNames.has(port.name)) errs.duplicate([...path, 'name'], port.name);
      else portNames.add(port.name);
    }
    if (port.containerPort === 0) errs.required([...path, 'containerPort']);
    else errs.invalidEach([...path, 'containerPort'], port.containerPort, isValidPortNum(port.containerPort));
    if (port.hostPort) errs.invalidEach([...path, 'hostPort'], port.hostPort, isValidPortNum(port.hostPort));
  });

  c.env?.forEach((env, i) => {
    const path = ['env', i];
    if (!env.name) errs.required([...path, 'name']);
    else errs.invalidEach([...path, 'name'], env.name, isEnvVarName(env.name));
    if (env.valueFrom) {
      const sources = Object.values(env.valueFrom).filter((s) => s !== undefined).length;
      if (sources === 0) errs.invalid([...path, 'valueFrom'], '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`');
      if (sources > 1) errs.invalid([...path, 'valueFrom'], '', 'may not have more than one field specified at a time');
      if (env.value) errs.invalid([...path, 'valueFrom'], '', 'may not be specified when `value` is not empty');
    }
  });

  const mountPaths = new Set<string>();
  c.volumeMounts?.forEach((m, i) => {
    const path = ['volumeMounts', i];
    if (!m.name) errs.required([...path, 'name']);
    if (!m.mountPath) errs.required([...path, 'mountPath']);
    else if (mountPaths.has(m.mountPath)) errs.invalid([...path, 'mountPath'], m.mountPath, 'must be unique');
    else mountPaths.add(m.mountPath);
  });

  for (const probe of ['livenessProbe', 'startupProbe'] as const) {
    const p = c[probe];
    if (p && p.successThreshold !== 1) errs.invalid([probe, 'successThreshold'], p.successThreshold, 'must be 1');
  }
  validateResources(c.resources, errs, ['resources']);
}), always);
export type Container = z.infer<typeof Container>;
