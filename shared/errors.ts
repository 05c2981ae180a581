// Every error that reaches a client is a Kubernetes `Status`. They are built here, and only here,
// so that codes, reasons and message wording match kube-apiserver's (k8s.io/apimachinery/pkg/api/errors).

export type StatusReason =
  | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'BadRequest' | 'MethodNotAllowed'
  | 'UnsupportedMediaType' | 'NotAcceptable' | 'Expired' | 'Gone' | 'RequestEntityTooLarge' | 'Forbidden'
  | 'InternalError' | 'Timeout' | 'ServiceUnavailable' | 'TooManyRequests' | 'Unauthorized';

export interface StatusCause { reason?: string; message?: string; field?: string }
export interface StatusDetails { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number }

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  /** ListMeta: an expired continue token's 410 carries a fresh token here. */
  metadata: { continue?: string };
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason | '';
  details?: StatusDetails;
  code: number;
}

/** A group-qualified resource name as Kubernetes prints it: `pods`, `deployments.apps`. */
export interface GroupResource { group: string; resource: string }
const qualified = (gr: GroupResource) => (gr.group ? `${gr.resource}.${gr.group}` : gr.resource);

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    readonly listMeta: { continue?: string } = {},
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): Status {
    const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: { ...this.listMeta }, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) status.details = this.details;
    return status;
  }
}

export const isStatusError = (e: unknown): e is StatusError => e instanceof StatusError;

export const notFound = (gr: GroupResource, name: string) =>
  new StatusError(404, 'NotFound', `${qualified(gr)} "${name}" not found`, { name, group: gr.group || undefined, kind: gr.resource });

export const alreadyExists = (gr: GroupResource, name: string) =>
  new StatusError(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, { name, group: gr.group || undefined, kind: gr.resource });

export const conflict = (gr: GroupResource, name: string, why: string) =>
  new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`, { name, group: gr.group || undefined, kind: gr.resource });

export const OBJECT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

/** 422 with one cause per field, message like `Pod "x" is invalid: [a: Required value, b: Invalid value: ...]`. */
export const invalid = (group: string, kind: string, name: string, causes: StatusCause[]) => {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : `${c.message}`));
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const gk = group ? `${kind}.${group}` : kind;
  return new StatusError(422, 'Invalid', `${gk} "${name}" is invalid: ${list}`, { name, group: group || undefined, kind, causes });
};

export const badRequest = (message: string) => new StatusError(400, 'BadRequest', message);
export const methodNotAllowed = (message = 'the server does not allow this method on the requested resource') =>
  new StatusError(405, 'MethodNotAllowed', message);
export const unsupportedMediaType = (contentType: string) =>
  new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json (got ${JSON.stringify(contentType)})`);
export const notAcceptable = (accept: string) =>
  new StatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml (got ${JSON.stringify(accept)})`);
export const expired = (message: string, continueToken?: string) =>
  new StatusError(410, 'Expired', message, undefined, continueToken ? { continue: continueToken } : {});
export const gone = (message: string) => new StatusError(410, 'Gone', message);
export const tooLarge = (limit: number) =>
  new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
export const forbidden = (gr: GroupResource, name: string, why: string) =>
  new StatusError(403, 'Forbidden', `${qualified(gr)} "${name}" is forbidden: ${why}`, { name, group: gr.group || undefined, kind: gr.resource });
export const internal = (message: string) =>
  new StatusError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
export const timeout = (message: string, retryAfterSeconds?: number) =>
  new StatusError(504, 'Timeout', message, retryAfterSeconds ? { retryAfterSeconds } : undefined);
export const tooManyRequests = (message: string, retryAfterSeconds = 1) =>
  new StatusError(429, 'TooManyRequests', message, { retryAfterSeconds });

/** Anything thrown inside the server becomes a Status; unknown errors are 500s, never crashes. */
/** The error a Status describes (one that crossed a process or thread boundary as JSON). */
export const fromStatus = (status: Status): StatusError =>
  new StatusError(status.code, (status.reason || 'InternalError') as StatusReason, status.message, status.details, status.metadata);

export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return internal(message);
}
