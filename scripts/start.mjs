// `npm start`: from a fresh clone, install what is missing, build, then hand over to scripts/start.ts
// (which needs the dev dependencies, hence this small plain-JS first step).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
if (!fs.existsSync(path.join(root, 'node_modules', 'tsx')) || !fs.existsSync(path.join(root, 'node_modules', 'etcd3'))) {
  console.log('Installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
console.log('Building…');
run(process.execPath, ['esbuild.mjs']);
const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('scripts', 'start.ts'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
