// GET /openapi/v2: a Swagger 2.0 document with no paths and no definitions, in JSON or in the
// protobuf (gnostic openapi.v2.Document) kubectl asks for.
// Why serve an empty one: kubectl validates a `kind: List` manifest client-side whatever the
// server supports (its fieldValidation verifier never accepts List), and that validator downloads
// /openapi/v2 as protobuf; a 404 there fails `kubectl create|apply -f list.yaml` outright. With a
// document that defines no kinds, kubectl finds no schema for the items and skips its own
// validation; each item is still sent with ?fieldValidation=Strict, so the server validates it.
// Everything else in kubectl v1.32 (explain, apply's patch computation) uses /openapi/v3.
import { openApiHash } from './documents.ts';
import { acceptsJson } from './response.ts';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
// Older name of the same type, still what client-go's discovery client sends.
const OPENAPI_V2_PROTOBUF_OLD = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}

/** A length-delimited protobuf field (wire type 2): strings and embedded messages. */
const field = (num: number, bytes: Uint8Array): Buffer => Buffer.from([...varint((num << 3) | 2), ...varint(bytes.length), ...bytes]);
const text = (num: number, value: string) => field(num, Buffer.from(value, 'utf8'));

/** gnostic openapi.v2.Document { swagger = 1; info = 2 { title = 1; version = 2 }; paths = 8 }. */
export function openApiV2Protobuf(version: string): Buffer {
  return Buffer.concat([
    text(1, '2.0'),
    field(2, Buffer.concat([text(1, 'Kubernetes'), text(2, version)])),
    field(8, new Uint8Array()),
  ]);
}

export const openApiV2Json = (version: string) => JSON.stringify({ swagger: '2.0', info: { title: 'Kubernetes', version }, paths: {} });

export interface OpenApiV2Response {
  statusCode: 200 | 304 | 406;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const acceptsProtobuf = (accept: string | undefined) =>
  !!accept && accept.split(',').some((c) => {
    const range = c.split(';')[0].trim().toLowerCase();
    return range === OPENAPI_V2_PROTOBUF || range === OPENAPI_V2_PROTOBUF_OLD;
  });

/** Status, headers and body for GET /openapi/v2 (ETag: quoted hash of the JSON, as kube). */
export function serveOpenApiV2(req: { accept?: string; ifNoneMatch?: string }, version: string): OpenApiV2Response {
  const json = openApiV2Json(version);
  const etag = JSON.stringify(openApiHash(json));
  const headers = { etag, vary: 'Accept' };
  const protobuf = acceptsProtobuf(req.accept);
  if (!protobuf && !acceptsJson(req.accept)) return { statusCode: 406, headers };
  if (req.ifNoneMatch && req.ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return { statusCode: 304, headers };
  if (protobuf) return { statusCode: 200, headers: { ...headers, 'content-type': OPENAPI_V2_PROTOBUF }, body: openApiV2Protobuf(version) };
  return { statusCode: 200, headers: { ...headers, 'content-type': 'application/json' }, body: json };
}
