// The parameters kube declares on each kind of operation. They are written out inline on every
// operation (kube's v3 documents have no components.parameters): kubectl's field-validation check
// reads only an operation's own inline `parameters` by name, so a $ref or a path-level entry would
// not be seen.

export interface Parameter {
  name: string;
  in: 'query' | 'path';
  description: string;
  required?: boolean;
  schema: { type: 'string' | 'boolean' | 'integer'; uniqueItems: true };
}

const query = (name: string, type: Parameter['schema']['type'], description: string): Parameter =>
  ({ name, in: 'query', description, schema: { type, uniqueItems: true } });

export const pathParameter = (name: 'name' | 'namespace', description: string): Parameter =>
  ({ name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } });

export const namespaceParameter = pathParameter('namespace', 'object name and auth scope, such as for teams and projects');
export const nameParameter = (kind: string) => pathParameter('name', `name of the ${kind}`);

export const pretty = query('pretty', 'string', "If 'true', the output is pretty printed.");

const dryRun = query('dryRun', 'string', 'When present, modifications are not persisted. The only valid value is All: every dry-run stage is processed.');
const fieldManager = query('fieldManager', 'string', 'A name for the actor making these changes (at most 128 printable characters). Required for apply patches.');
/** The parameter kubectl looks for on a kind's PATCH operation to decide that the server validates fields itself. */
export const fieldValidation = query('fieldValidation', 'string',
  'How the server handles unknown or duplicate fields in the request body: Ignore drops them silently, Warn drops them '
  + 'and returns a warning header for each, Strict rejects the request with a BadRequest listing them.');
const force = query('force', 'boolean', 'Forces an apply patch: the caller takes over fields owned by other managers. Must be unset for other patch types.');

const allowWatchBookmarks = query('allowWatchBookmarks', 'boolean', 'Asks for BOOKMARK watch events; servers may ignore it.');
const continueToken = query('continue', 'string', 'The continue token returned by a previous list call, to fetch the next chunk.');
const fieldSelector = query('fieldSelector', 'string', 'A selector restricting the returned objects by their fields. Defaults to everything.');
const labelSelector = query('labelSelector', 'string', 'A selector restricting the returned objects by their labels. Defaults to everything.');
const limit = query('limit', 'integer', 'The maximum number of items to return; more may be fetched with the returned continue token.');
const resourceVersion = query('resourceVersion', 'string', 'Constrains which resource versions the request may be served from.');
const resourceVersionMatch = query('resourceVersionMatch', 'string', 'How resourceVersion is applied to list calls: Exact or NotOlderThan.');
const sendInitialEvents = query('sendInitialEvents', 'boolean', 'With watch=true, first sends synthetic ADDED events for the current state, then a bookmark.');
const timeoutSeconds = query('timeoutSeconds', 'integer', 'Timeout for the list or watch call, whatever the activity.');
const watch = query('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update and remove notifications.');

const gracePeriodSeconds = query('gracePeriodSeconds', 'integer', 'Seconds before the object is deleted; zero deletes immediately, unset uses the kind default.');
const ignoreStoreReadError = query('ignoreStoreReadErrorWithClusterBreakingPotential', 'boolean', 'Deletes an object that cannot be read from storage (corrupt). Dangerous.');
const orphanDependents = query('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. Whether dependents are orphaned.');
const propagationPolicy = query('propagationPolicy', 'string', 'Whether and how garbage collection is done: Orphan, Background or Foreground.');

/** Operation-level parameters, by kube's action name. */
export const operationParameters = {
  list: [allowWatchBookmarks, continueToken, fieldSelector, labelSelector, limit, resourceVersion, resourceVersionMatch, sendInitialEvents, timeoutSeconds, watch],
  post: [dryRun, fieldManager, fieldValidation],
  put: [dryRun, fieldManager, fieldValidation],
  patch: [dryRun, fieldManager, fieldValidation, force],
  delete: [dryRun, gracePeriodSeconds, ignoreStoreReadError, orphanDependents, propagationPolicy],
  deletecollection: [continueToken, dryRun, fieldSelector, gracePeriodSeconds, ignoreStoreReadError, labelSelector, limit,
    orphanDependents, propagationPolicy, resourceVersion, resourceVersionMatch, sendInitialEvents, timeoutSeconds],
} satisfies Record<string, Parameter[]>;

/** Watch paths (deprecated by kube, still documented) carry the list parameters at path level. */
export const watchPathParameters = operationParameters.list;

export const podLogParameters: Parameter[] = [
  query('container', 'string', 'The container whose logs to stream; may be omitted if the pod has one container.'),
  query('follow', 'boolean', 'Follow the log stream of the pod.'),
  query('insecureSkipTLSVerifyBackend', 'boolean', 'Skip verifying the serving certificate of the backend (kubelet) the logs come from.'),
  query('limitBytes', 'integer', 'Stop returning logs after this many bytes.'),
  query('previous', 'boolean', 'Return the logs of the previously terminated container.'),
  query('sinceSeconds', 'integer', 'Only return logs newer than this many seconds before now.'),
  query('tailLines', 'integer', 'Number of lines from the end of the logs to show.'),
  query('timestamps', 'boolean', 'Prefix every line of output with an RFC3339 timestamp.'),
];
