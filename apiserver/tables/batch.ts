// Printers for batch/v1: jobs (NAME STATUS COMPLETIONS DURATION AGE) and cronjobs.
import { formatLabelSelector } from '../../shared/selectors/label-selector-object.ts';
import { ageColumn, column, containerCells, containersColumn, imagesColumn, nameColumn, SELECTOR_DOCS, selectorColumn } from './columns.ts';
import { humanDuration, since, timeOf } from './duration.ts';
import { printer, type LabelSelectorView, type ObjectMetaView, type PodTemplateView, type PrintContext, type PrintedRow } from './types.ts';

interface JobSpecView {
  completions?: number | null;
  parallelism?: number | null;
  selector?: LabelSelectorView | null;
  template?: PodTemplateView;
}

export interface JobView {
  metadata?: ObjectMetaView;
  spec?: JobSpecView;
  status?: {
    succeeded?: number;
    startTime?: string | null;
    completionTime?: string | null;
    conditions?: { type?: string; status?: string }[] | null;
  };
}

// hasJobCondition: the first condition of that type decides.
const hasJobCondition = (job: JobView, type: string) => (job.status?.conditions ?? []).find((c) => c.type === type)?.status === 'True';

function jobStatus(job: JobView): string {
  if (hasJobCondition(job, 'Complete')) return 'Complete';
  if (hasJobCondition(job, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasJobCondition(job, 'Suspended')) return 'Suspended';
  if (hasJobCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function completions(job: JobView): string {
  const succeeded = job.status?.succeeded ?? 0;
  const wanted = job.spec?.completions;
  if (wanted !== undefined && wanted !== null) return `${succeeded}/${wanted}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: JobView, now: Date): string {
  const start = timeOf(job.status?.startTime);
  if (start === undefined) return '';
  const end = timeOf(job.status?.completionTime);
  return humanDuration((end ?? now.getTime()) - start);
}

export function printJob(job: JobView, ctx: PrintContext): PrintedRow {
  const cells = [job.metadata?.name ?? '', jobStatus(job), completions(job), jobDuration(job, ctx.now), since(job.metadata?.creationTimestamp, ctx.now)];
  if (ctx.wide) cells.push(...containerCells(job.spec?.template?.spec?.containers), formatLabelSelector(job.spec?.selector));
  return { cells };
}

export const jobPrinter = printer<JobView>(
  [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn(SELECTOR_DOCS.job),
  ],
  printJob,
);
