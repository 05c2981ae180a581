// The server side of `kubectl get`: objects rendered as a meta.k8s.io/v1 Table with the columns and
// cells kube-apiserver's printers give for each kind (pkg/printers/internalversion), and the
// includeObject handling of the API server's table response (endpoints/handlers/response.go).
import { badRequest } from '../../shared/errors.ts';
import { defaultPrinter } from './default.ts';
import { printerRegistry } from './registry.ts';
import type { ObjectView, PartialObjectMetadata, Printer, Table, TableListMeta, TableRow } from './types.ts';

export type { Table, TableColumnDefinition, TableRow, TableCell, TableListMeta, PartialObjectMetadata } from './types.ts';
export { humanDuration, shortHumanDuration } from './duration.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /**
   * Whether to include the priority>0 (`-o wide`) columns and cells. kube-apiserver always does and lets
   * kubectl hide them, so this defaults to true; false gives what kubectl shows without `-o wide`.
   */
  wide?: boolean;
  /** What rows[].object holds: PartialObjectMetadata (kubectl's default), the whole object, or null. */
  includeObject: IncludeObject;
  /** The clock AGE and other durations are measured against. */
  now?: Date;
  /** The list's resourceVersion / continue / remainingItemCount, copied to the table's metadata. */
  listMeta?: TableListMeta;
  /** The meta.k8s.io version the client asked for (`v=` of the Accept header). */
  version?: 'v1' | 'v1beta1';
  /**
   * Leave out the column definitions. A Table watch sends them with the first event only, as
   * kube-apiserver does; kubectl keeps the first event's columns.
   */
  noHeaders?: boolean;
}

/** The printer of a resource, by plural and API group ('' for core); the default NAME/CREATED AT otherwise. */
export function printerFor(plural: string, group: string): Printer {
  return printerRegistry.get(group ? `${plural}.${group}` : plural) ?? defaultPrinter;
}

function rowObject(obj: unknown, includeObject: IncludeObject, apiVersion: string): unknown {
  switch (includeObject) {
    case 'Object':
      return obj;
    case 'None':
      return null;
    case 'Metadata': {
      const partial: PartialObjectMetadata = { kind: 'PartialObjectMetadata', apiVersion, metadata: { ...((obj as ObjectView).metadata ?? {}) } };
      return partial;
    }
  }
}

function cleanListMeta(meta: TableListMeta | undefined): TableListMeta {
  const out: TableListMeta = {};
  if (meta?.resourceVersion) out.resourceVersion = meta.resourceVersion;
  if (meta?.continue) out.continue = meta.continue;
  if (meta?.remainingItemCount !== undefined && meta.remainingItemCount !== null) out.remainingItemCount = meta.remainingItemCount;
  return out;
}

/** A Table of `objects` (the items of a list, or the one object of a get) of resource `plural.group`. */
export function tableFor(plural: string, group: string, objects: readonly unknown[], options: TableOptions): Table {
  const p = printerFor(plural, group);
  const ctx = { now: options.now ?? new Date(), wide: options.wide ?? true };
  const apiVersion = `meta.k8s.io/${options.version ?? 'v1'}`;
  const rows: TableRow[] = objects.map((obj) => {
    const printed = p.print(obj, ctx);
    const row: TableRow = { cells: printed.cells, object: rowObject(obj, options.includeObject, apiVersion) };
    if (printed.conditions) row.conditions = printed.conditions;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion,
    metadata: cleanListMeta(options.listMeta),
    columnDefinitions: options.noHeaders ? null : (ctx.wide ? p.columns : p.columns.filter((c) => c.priority === 0)).map((c) => ({ ...c })),
    rows,
  };
}

/** The Table of a single GET: as kube, its resourceVersion is the object's. */
export function tableForObject(plural: string, group: string, obj: unknown, options: Omit<TableOptions, 'listMeta'>): Table {
  const resourceVersion = (obj as ObjectView).metadata?.resourceVersion;
  return tableFor(plural, group, [obj], { ...options, listMeta: { resourceVersion } });
}

/** The includeObject query parameter; kube defaults to Metadata and rejects anything else with a 400. */
export function parseIncludeObject(value: string | undefined): IncludeObject {
  if (value === undefined || value === '' || value === 'Metadata') return 'Metadata';
  if (value === 'None' || value === 'Object') return value;
  throw badRequest(`unrecognized includeObject value: ${JSON.stringify(value)}`);
}
