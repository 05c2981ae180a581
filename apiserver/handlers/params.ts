// Query parameters shared by several verbs: selectors, dry run, field validation.
import { parseFieldSelector } from '../../shared/selectors/fields.ts';
import { parseLabelSelector } from '../../shared/selectors/labels.ts';
import { badRequest, StatusError } from '../../shared/errors.ts';
import type { FieldValidation, GenericStore, WriteOptions } from '../registry/generic-store.ts';
import type { ObjectFilter } from '../registry/list.ts';

export type Query = Record<string, string | undefined>;

export function writeOptions(query: Query): WriteOptions {
  const options: WriteOptions = {};
  if (query.dryRun !== undefined) {
    if (query.dryRun !== 'All') throw badRequest(`dryRun: Unsupported value: "${query.dryRun}": supported values: "All"`);
    options.dryRun = true;
  }
  const fv = query.fieldValidation;
  if (fv !== undefined && fv !== '') {
    if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore')
      throw badRequest(`fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`);
    options.fieldValidation = fv as FieldValidation;
  }
  return options;
}

/** labelSelector and fieldSelector as one predicate; unsupported field labels are a 400 as in kube. */
export function filterOf(store: GenericStore, query: Query, extraFieldSelector?: string): ObjectFilter {
  let labels: ReturnType<typeof parseLabelSelector> | undefined;
  let fields: ReturnType<typeof parseFieldSelector> | undefined;
  try {
    if (query.labelSelector) labels = parseLabelSelector(query.labelSelector);
    const fieldText = [query.fieldSelector, extraFieldSelector].filter(Boolean).join(',');
    if (fieldText) fields = parseFieldSelector(fieldText);
  } catch (err) {
    if (err instanceof StatusError) throw err;
    throw badRequest((err as Error).message);
  }
  if (fields) {
    const known = store.fieldsOf({ metadata: {} });
    for (const r of fields.requirements()) if (!(r.field in known)) throw badRequest(`field label not supported: ${r.field}`);
  }
  if (labels?.empty()) labels = undefined;
  if (fields?.empty()) fields = undefined;
  if (!labels && !fields) return { matches: () => true, everything: true };
  return {
    matches: (obj) => (!labels || labels.matches(obj.metadata.labels)) && (!fields || fields.matches(store.fieldsOf(obj))),
  };
}

export function boolParam(v: string | undefined): boolean {
  return v === 'true' || v === '1';
}

export function intParam(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid ${name} parameter: ${JSON.stringify(v)}`);
  return n;
}
