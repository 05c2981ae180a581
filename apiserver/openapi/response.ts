// HTTP behaviour of /openapi/v3 and /openapi/v3/<group-version>, as kube-openapi's handler3 serves
// them, independent of the web framework: the caller passes the request's path, query and headers
// and writes back status, headers and body.
//   root: ETag = quoted hash of the root JSON, no Cache-Control (its content changes with the set of
//     group-versions), 304 on a matching If-None-Match.
//   group-version: Vary: Accept, ETag = quoted document hash; with ?hash= equal to the current hash
//     the response is immutable (Cache-Control: public, immutable; Expires one year ahead), with a
//     stale hash a 301 to the current URL; 406 when the client accepts no JSON (kube would also
//     offer protobuf, which we do not serve); 404 for an unknown group-version.
import type { OpenApiV3Documents, ServedDocument } from './documents.ts';

export interface OpenApiHttpRequest {
  /** The part of the URL path after '/openapi/v3', without leading slash: '' for the root, 'api/v1', 'apis/apps/v1'. */
  groupVersionPath: string;
  /** The `hash` query parameter, if any. */
  hash?: string;
  accept?: string;
  ifNoneMatch?: string;
}

export interface OpenApiHttpResponse {
  statusCode: 200 | 301 | 304 | 404 | 406;
  headers: Record<string, string>;
  /** JSON text; absent for 301, 304, 404 and 406. */
  body?: string;
}

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/** True if an Accept header admits application/json (no header admits everything). */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept || !accept.trim()) return true;
  return accept.split(',').some((clause) => {
    const [range, ...params] = clause.trim().toLowerCase().split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) return false;
    return range === 'application/json' || range === 'application/*' || range === '*/*';
  });
}

const matchesETag = (ifNoneMatch: string | undefined, etag: string) =>
  !!ifNoneMatch && ifNoneMatch.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });

function respond(doc: ServedDocument, ifNoneMatch: string | undefined, headers: Record<string, string>): OpenApiHttpResponse {
  const etag = JSON.stringify(doc.hash);
  const all = { ...headers, 'content-type': 'application/json', etag };
  if (matchesETag(ifNoneMatch, etag)) return { statusCode: 304, headers: all };
  return { statusCode: 200, headers: all, body: doc.json };
}

export function openApiV3Response(docs: OpenApiV3Documents, req: OpenApiHttpRequest, now = Date.now()): OpenApiHttpResponse {
  const key = req.groupVersionPath.replace(/^\/+|\/+$/g, '');
  if (key === '') return respond(docs.root, req.ifNoneMatch, {});
  const doc = docs.groupVersions.get(key);
  if (!doc) return { statusCode: 404, headers: {} };
  const vary = { vary: 'Accept' };
  if (!acceptsJson(req.accept)) return { statusCode: 406, headers: vary };
  if (req.hash !== undefined && req.hash !== '') {
    if (req.hash !== doc.hash) return { statusCode: 301, headers: { ...vary, location: `/openapi/v3/${key}?hash=${doc.hash}` } };
    return respond(doc, req.ifNoneMatch, {
      ...vary,
      'cache-control': 'public, immutable',
      expires: new Date(now + ONE_YEAR_MS).toUTCString(),
    });
  }
  return respond(doc, req.ifNoneMatch, vary);
}
