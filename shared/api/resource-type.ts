// What the API server (and clients) need to know about one kind: where it lives in the API, what it is
// called, and the zod schema that is the single source of its type, its validation and its defaults.
import type { z } from 'zod';

/** How metadata.name is validated (apimachinery's validation.NameIsDNSSubdomain / NameIsDNSLabel). */
export type NameRule = 'dns1123-subdomain' | 'dns1123-label';

export type Subresource = 'status' | 'scale' | 'binding' | 'log';

export interface ResourceType<S extends z.ZodType = z.ZodType> {
  group: string; // '' for the core group
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  nameRule: NameRule;
  subresources: Subresource[];
  /** Parses a whole object (apiVersion, kind, metadata, spec, status): validates and applies defaults. */
  schema: S;
}

export const apiVersionOf = (t: Pick<ResourceType, 'group' | 'version'>) => (t.group ? `${t.group}/${t.version}` : t.version);
