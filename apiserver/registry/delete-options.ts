// meta/v1 DeleteOptions, from the body or from query parameters (kubectl sends both ways).
import { badRequest, invalid, type StatusCause } from '../../shared/errors.ts';
import { isPlainObject } from './object.ts';

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

const POLICIES = new Set(['Orphan', 'Background', 'Foreground']);

export function parseDeleteOptions(body: unknown, query: Record<string, string | undefined>): DeleteOptions {
  const options: DeleteOptions = {};
  if (body !== undefined && body !== null && body !== '') {
    if (!isPlainObject(body)) throw badRequest('DeleteOptions must be a JSON object');
    if (body.gracePeriodSeconds !== undefined && body.gracePeriodSeconds !== null) options.gracePeriodSeconds = Number(body.gracePeriodSeconds);
    if (typeof body.propagationPolicy === 'string') options.propagationPolicy = body.propagationPolicy as PropagationPolicy;
    if (typeof body.orphanDependents === 'boolean') options.orphanDependents = body.orphanDependents;
    if (isPlainObject(body.preconditions)) options.preconditions = body.preconditions as DeleteOptions['preconditions'];
    if (Array.isArray(body.dryRun)) options.dryRun = body.dryRun.map(String);
  }
  if (query.gracePeriodSeconds !== undefined) options.gracePeriodSeconds = Number(query.gracePeriodSeconds);
  if (query.propagationPolicy !== undefined) options.propagationPolicy = query.propagationPolicy as PropagationPolicy;
  if (query.orphanDependents !== undefined) options.orphanDependents = query.orphanDependents === 'true';
  if (query.dryRun !== undefined) options.dryRun = [query.dryRun];

  if (options.gracePeriodSeconds !== undefined && (!Number.isInteger(options.gracePeriodSeconds) || options.gracePeriodSeconds < 0)) {
    // kube treats a negative grace period as 1 second (the "immediate but graceful" request).
    if (Number.isInteger(options.gracePeriodSeconds) && options.gracePeriodSeconds < 0) options.gracePeriodSeconds = 1;
    else throw badRequest(`invalid gracePeriodSeconds: ${options.gracePeriodSeconds}`);
  }
  // What decodes but is not a valid DeleteOptions is a 422, as kube's ValidateDeleteOptions makes it.
  const causes: StatusCause[] = [];
  if (options.propagationPolicy && options.orphanDependents !== undefined)
    causes.push({ reason: 'FieldValueInvalid', field: 'propagationPolicy', message: `Invalid value: "${options.propagationPolicy}": orphanDependents and deletionPropagation cannot be both set` });
  if (options.propagationPolicy && !POLICIES.has(options.propagationPolicy))
    causes.push({ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${options.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"` });
  const badDryRun = options.dryRun?.find((d) => d !== 'All');
  if (badDryRun !== undefined) causes.push({ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: "${badDryRun}": supported values: "All"` });
  if (causes.length) throw invalid('meta.k8s.io', 'DeleteOptions', '', causes);
  return options;
}
