// `kubectl get leases`: NAME HOLDER AGE.
import { ageColumn, column, nameColumn } from './columns.ts';
import { since } from './duration.ts';
import { printer, type ObjectMetaView } from './types.ts';

export interface LeaseView { metadata?: ObjectMetaView; spec?: { holderIdentity?: string | null } }

export const leasePrinter = printer<LeaseView>(
  [
    nameColumn(),
    column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.'),
    ageColumn(),
  ],
  (lease, ctx) => ({ cells: [lease.metadata?.name ?? '', lease.spec?.holderIdentity ?? '', since(lease.metadata?.creationTimestamp, ctx.now)] }),
);
