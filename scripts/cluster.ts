// The local cluster in one command: `npm start` starts the API server, two schedulers, two
// controller-managers and a kubelet and kube-proxy per node as separate processes, and supervises them
// until Ctrl-C. `npm start -- status|kill NAME|restart NAME|down` act on the running cluster from
// another terminal. See scripts/cluster/ (layout.ts: what runs with which flags) and the README.
import { down, kill, restart, status } from './cluster/control.ts';
import { parseCommandLine } from './cluster/options.ts';
import { up } from './cluster/up.ts';

try {
  const cmd = parseCommandLine(process.argv.slice(2));
  const run = { up, status, kill, restart, down }[cmd.command];
  process.exitCode = await run(cmd);
} catch (err) {
  console.error(`Error: ${(err as Error).message}`);
  process.exitCode = 1;
}
