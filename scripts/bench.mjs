// Runs every bench/*.bench.ts in one go (after a build) and prints all figures together at the end.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const only = process.argv.slice(2);
if (spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
const benches = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only.length || only.some((o) => f.startsWith(o))).sort();
const results = [];
let failed = false;
for (const file of benches) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', file)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout);
  for (const line of r.stdout.split('\n')) if (line.startsWith('BENCH_JSON ')) results.push(JSON.parse(line.slice(11)));
  if (r.status !== 0) { failed = true; console.error(`bench ${file} failed (exit ${r.status})`); }
}
fs.writeFileSync(path.join(root, 'bench', 'results.json'), `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
console.log('\nAll figures written to bench/results.json');
process.exit(failed ? 1 : 0);
