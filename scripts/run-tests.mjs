// Runs every test file under test/ with node's own test runner (tsx loads the TypeScript).
// Node 20's runner takes no globs, so the files are found here. Extra arguments are passed on
// (e.g. `npm test -- test/apiserver` to run one folder).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['test'];
const files = [];
const walk = (p) => {
  if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
  else if (p.endsWith('.test.ts')) files.push(p);
};
roots.forEach(walk);
if (files.length === 0) {
  console.error('no test files found under', roots.join(' '));
  process.exit(1);
}
const run = () => spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' }).status ?? 1;
let status = run();
// In CI (CI=true) a failing suite runs once more: the tests start and kill real processes on a 2-core
// machine, where timing-sensitive checks can fail under load. The first run's failures stay in the log,
// and a test that fails both times fails CI.
if (status !== 0 && process.env.CI === 'true') {
  console.log('\n*** the test suite failed; CI runs it once more (the failures above are kept in the log) ***\n');
  status = run();
}
process.exit(status);
