// meta.k8s.io/v1 Table, as kube-apiserver serves it to `kubectl get`, and the shape of a printer:
// the column definitions and the cells of one row for one kind (pkg/printers/internalversion).

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  /** 0: always shown by kubectl; 1 and more: only with `-o wide`. */
  priority: number;
}

export type TableCell = string | number | boolean | null;

export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: string;
  metadata: Record<string, unknown>;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** PartialObjectMetadata, the whole object, or null for includeObject=None (kube serializes it as null). */
  object: PartialObjectMetadata | unknown;
}

// A type alias (not an interface) so it stays assignable to Record<string, unknown>.
export type TableListMeta = {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
};

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: TableListMeta;
  /** null when headers were not asked for: the 2nd and later events of a watch (kube serializes nil as null). */
  columnDefinitions: TableColumnDefinition[] | null;
  rows: TableRow[];
}

export interface PrintContext {
  now: Date;
  /** Whether to print the priority>0 cells; kube-apiserver always does (kubectl hides them itself). */
  wide: boolean;
}

export interface PrintedRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
}

export interface Printer {
  columns: readonly TableColumnDefinition[];
  print(obj: unknown, ctx: PrintContext): PrintedRow;
}

/**
 * A printer over the fields of `T` that it reads. Stored objects are plain JSON that the API server
 * already validated, so reading them through a structural view with every field optional is safe.
 */
export function printer<T>(columns: readonly TableColumnDefinition[], print: (obj: T, ctx: PrintContext) => PrintedRow): Printer {
  return { columns, print: (obj, ctx) => print(obj as T, ctx) };
}

// The fields of ObjectMeta the printers read.
export interface ObjectMetaView {
  name?: string;
  namespace?: string;
  creationTimestamp?: string | null;
  deletionTimestamp?: string | null;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  resourceVersion?: string;
  ownerReferences?: { apiVersion?: string; kind?: string; name?: string; controller?: boolean }[] | null;
}

export interface ObjectView {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMetaView;
}

export interface ContainerView {
  name?: string;
  image?: string;
  restartPolicy?: string;
}

export interface LabelSelectorView {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

export interface PodTemplateView {
  metadata?: ObjectMetaView;
  spec?: { containers?: ContainerView[]; nodeSelector?: Record<string, string> | null };
}
