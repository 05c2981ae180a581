// Request bodies and response encodings: JSON, YAML and Kubernetes protobuf in (client-go's typed clients, and so
// `kubectl create ...`, send protobuf), JSON (or YAML, or a meta.k8s.io Table) out, as kube-apiserver negotiates
// them. Protobuf is never offered in answers, so clients that ask for it also list JSON.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { badRequest, notAcceptable, unsupportedMediaType } from '../../shared/errors.ts';
import { decodeKubernetesProtobuf } from '../../shared/protobuf/decode.ts';

export const PATCH_TYPES = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
} as const;
export type PatchType = (typeof PATCH_TYPES)[keyof typeof PATCH_TYPES];

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The body as the handler sees it: decoded JSON, plus the media type it came as. */
export interface DecodedBody {
  mediaType: string;
  /** The decoded body; undefined when empty. Reading it decodes a JSON body (a 400 when malformed). */
  readonly value: unknown;
  /** A JSON body's text, so that a handler may have it decoded elsewhere (a create's worker thread). */
  readonly json?: string;
}

/** Decoded on first use: a create may hand the text to a worker thread and never parse it here. */
class JsonBody implements DecodedBody {
  private decoded?: { value: unknown };
  constructor(readonly mediaType: string, readonly json: string) {}
  get value(): unknown {
    return (this.decoded ??= { value: decodeJson(this.json) }).value;
  }
}

const mediaTypeOf = (header: string | undefined) => (header ?? '').split(';')[0].trim().toLowerCase();

export function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded as JSON: ${(err as Error).message}`);
  }
}

function decodeProtobuf(body: Buffer): unknown {
  try {
    return decodeKubernetesProtobuf(body).object;
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded as protobuf: ${(err as Error).message}`);
  }
}

/** Registers parsers that keep the raw decision (which type, decoded how) for the handlers. */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  // Raw bytes, since protobuf is binary; every other type is text.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    const mediaType = mediaTypeOf(req.headers['content-type']);
    const bytes = body as Buffer;
    try {
      let value: unknown;
      const text = mediaType === PROTOBUF_MEDIA_TYPE ? '' : bytes.toString('utf8');
      if (mediaType === PROTOBUF_MEDIA_TYPE) value = bytes.length === 0 ? undefined : decodeProtobuf(bytes);
      else if (!/\S/.test(text)) value = undefined; // blank (without copying a trimmed body)
      else if (mediaType === 'application/yaml' || mediaType === 'application/apply-patch+yaml') {
        try {
          value = parseYaml(text);
        } catch (err) {
          throw badRequest(`the body of the request could not be decoded as YAML: ${(err as Error).message}`);
        }
      } else if (mediaType === 'application/json' || mediaType === '' || mediaType in PATCH_TYPES) {
        done(null, new JsonBody(mediaType, text));
        return;
      } else throw unsupportedMediaType(mediaType);
      done(null, { mediaType, value } satisfies DecodedBody);
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

export function bodyOf(req: FastifyRequest): DecodedBody {
  return (req.body as DecodedBody | undefined) ?? { mediaType: mediaTypeOf(req.headers['content-type']), value: undefined };
}

export interface ResponseFormat {
  /** 'json', 'yaml', or a Table request. */
  encoding: 'json' | 'yaml';
  table: boolean;
  /** PartialObjectMetadata requested (kubectl's metadata-only informers). */
  metadataOnly: boolean;
}

/**
 * Reads Accept the way kube does: the first acceptable entry wins; `as=Table;g=meta.k8s.io;v=v1`
 * asks for a Table; protobuf entries are skipped (clients always list a JSON fallback).
 */
export function negotiate(accept: string | undefined): ResponseFormat {
  if (!accept) return { encoding: 'json', table: false, metadataOnly: false };
  for (const entry of accept.split(',')) {
    const [typePart, ...paramParts] = entry.split(';');
    const type = typePart.trim().toLowerCase();
    const params: Record<string, string> = {};
    for (const p of paramParts) {
      const [k, v] = p.split('=');
      if (k && v) params[k.trim()] = v.trim();
    }
    if (type !== 'application/json' && type !== 'application/yaml' && type !== '*/*' && type !== 'application/*') continue;
    const encoding = type === 'application/yaml' ? 'yaml' : 'json';
    if (params.as === 'Table') {
      if (params.g !== 'meta.k8s.io' || (params.v !== 'v1' && params.v !== 'v1beta1')) continue;
      return { encoding, table: true, metadataOnly: false };
    }
    if (params.as === 'PartialObjectMetadata' || params.as === 'PartialObjectMetadataList') {
      if (params.g !== 'meta.k8s.io') continue;
      return { encoding, table: false, metadataOnly: true };
    }
    if (params.as) continue;
    return { encoding, table: false, metadataOnly: false };
  }
  throw notAcceptable(accept);
}
