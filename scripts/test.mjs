// Runs the test suites with node's own test runner (TypeScript through tsx).
// `node scripts/test.mjs` = build, unit + integration, then e2e; or name suites: unit, integration, e2e, vscode.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const requested = process.argv.slice(2);
const suites = requested.length ? requested : ['unit', 'integration', 'e2e', 'vscode'];

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .filter((f) => /\.test\.ts$/.test(f))
    .map((f) => path.join(dir, f))
    .sort();
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

let failed = 0;
if (run(process.execPath, ['esbuild.mjs']) !== 0) process.exit(1);

const nodeSuites = suites.filter((s) => s === 'unit' || s === 'integration');
const nodeFiles = nodeSuites.flatMap((s) => filesUnder(path.join(root, 'test', s)));
if (nodeFiles.length) {
  // Integration files each start their own etcd cluster; two at a time suits a 2-core machine.
  failed |= run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2',
    '--unhandled-rejections=strict', ...nodeFiles]);
}
for (const suite of suites.filter((s) => s === 'e2e' || s === 'vscode')) {
  const files = filesUnder(path.join(root, 'test', suite));
  if (files.length) failed |= run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files]);
}
process.exit(failed ? 1 : 0);
