// `kubectl get priorityclasses`: NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY.
import { ageColumn, column, nameColumn } from './columns.ts';
import { since } from './duration.ts';
import { printer, type ObjectMetaView } from './types.ts';

export interface PriorityClassView { metadata?: ObjectMetaView; value?: number; globalDefault?: boolean; preemptionPolicy?: string | null }

export const priorityClassPrinter = printer<PriorityClassView>(
  [
    nameColumn(),
    column('Value', 'integer', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.'),
    column('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.'),
    ageColumn(),
    column('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
  ],
  (pc, ctx) => {
    const cells = [pc.metadata?.name ?? '', pc.value ?? 0, pc.globalDefault ?? false, since(pc.metadata?.creationTimestamp, ctx.now)];
    // kube adds this priority-0 column's cell only for wide output; the API server always prints wide.
    if (ctx.wide) cells.push(pc.preemptionPolicy ?? '');
    return { cells };
  },
);
