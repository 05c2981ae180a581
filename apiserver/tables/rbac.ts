// `kubectl get rolebindings|clusterrolebindings`: NAME ROLE AGE (wide: USERS GROUPS SERVICEACCOUNTS).
import { ageColumn, column, nameColumn } from './columns.ts';
import { since } from './duration.ts';
import { printer, type ObjectMetaView, type PrintContext, type PrintedRow } from './types.ts';

export interface RoleBindingView {
  metadata?: ObjectMetaView;
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[] | null;
}

function printBinding(b: RoleBindingView, ctx: PrintContext): PrintedRow {
  const cells = [b.metadata?.name ?? '', `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, since(b.metadata?.creationTimestamp, ctx.now)];
  if (ctx.wide) {
    // rbac.SubjectsStrings
    const users: string[] = [];
    const groups: string[] = [];
    const serviceAccounts: string[] = [];
    for (const s of b.subjects ?? []) {
      if (s.kind === 'ServiceAccount') serviceAccounts.push(`${s.namespace ?? ''}/${s.name ?? ''}`);
      else if (s.kind === 'User') users.push(s.name ?? '');
      else if (s.kind === 'Group') groups.push(s.name ?? '');
    }
    cells.push(users.join(', '), groups.join(', '), serviceAccounts.join(', '));
  }
  return { cells };
}

const bindingColumns = (what: string, roleRefDoc: string) => [
  nameColumn(),
  column('Role', 'string', roleRefDoc),
  ageColumn(),
  column('Users', 'string', `Users in the ${what}`, 1),
  column('Groups', 'string', `Groups in the ${what}`, 1),
  column('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, 1),
];

export const roleBindingPrinter = printer<RoleBindingView>(
  bindingColumns('roleBinding', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.'),
  printBinding,
);

export const clusterRoleBindingPrinter = printer<RoleBindingView>(
  bindingColumns('clusterRoleBinding', 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.'),
  printBinding,
);
