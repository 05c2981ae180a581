// A realistic pod for the benchmarks: what a Deployment's pod looks like when it is created (labels,
// owner reference, two containers with env, probes, resources and mounts, volumes, tolerations), about
// 1.5 KB of JSON. Bodies are pre-serialized around the name, so making one costs a string concat.

const NAME = '\u0000NAME\u0000';
const ANNOTATIONS = '\u0000ANNOTATIONS\u0000';

function template(namespace: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: NAME,
      namespace,
      labels: { app: 'web', tier: 'frontend', 'pod-template-hash': '7c9d8f6b5d' },
      annotations: ANNOTATIONS,
      ownerReferences: [{
        apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7c9d8f6b5d',
        uid: '6b1f0c1e-3f5a-4d8e-9a43-2f3c9d7e1a22', controller: true, blockOwnerDeletion: true,
      }],
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'registry.example.com/shop/web:1.27.3',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
          env: [
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
          volumeMounts: [{ name: 'config', mountPath: '/etc/web', readOnly: true }, { name: 'cache', mountPath: '/var/cache/web' }],
          readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
        },
        {
          name: 'log-shipper',
          image: 'registry.example.com/infra/log-shipper:2.4.0',
          args: ['--input=/var/log/web'],
          resources: { requests: { cpu: '50m', memory: '64Mi' } },
          volumeMounts: [{ name: 'cache', mountPath: '/var/log/web', readOnly: true }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'web-config' } }, { name: 'cache', emptyDir: {} }],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
      terminationGracePeriodSeconds: 30,
    },
  };
}

export interface PodBodies {
  /** The JSON body of pod `name`, with extra annotations if given. */
  body(name: string, annotations?: Record<string, string>): string;
}

export function podBodies(namespace = 'default'): PodBodies {
  const json = JSON.stringify(template(namespace));
  const [beforeName, rest] = json.split(JSON.stringify(NAME));
  const [betweenNameAndAnnotations, afterAnnotations] = rest.split(JSON.stringify(ANNOTATIONS));
  const fixedAnnotations = '"prometheus.io/scrape":"true","prometheus.io/port":"9090"';
  const beforeAnnotations = `"${betweenNameAndAnnotations}{${fixedAnnotations}`;
  return {
    body(name, annotations) {
      let extra = '';
      if (annotations) for (const key in annotations) extra += `,${JSON.stringify(key)}:${JSON.stringify(annotations[key])}`;
      return `${beforeName}"${name}${beforeAnnotations}${extra}}${afterAnnotations}`;
    },
  };
}
