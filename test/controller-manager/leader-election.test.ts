// Two real kube-controller-manager processes against a real API server: the leader election suite
// (test/fixtures/leader-election-pair.ts). Which replica did a controller's work cannot be told from
// the API server (its Events name the host, as kube's do), so the suite follows the Lease alone here.
import { describeLeaderElection } from '../fixtures/leader-election-pair.ts';

describeLeaderElection({ component: 'kube-controller-manager', script: 'controller-manager/main.ts', leasePrefix: 'kcm' });
