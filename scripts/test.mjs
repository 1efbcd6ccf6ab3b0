// Runs the test suites with node's own test runner (TypeScript through tsx).
//   node scripts/test.mjs                 build, then unit + integration, e2e and vscode on the default etcd
//                                         (3.6, or ETCD_OPS_ETCD_VERSION), then the compat suite on every other
//                                         version (3.4, 3.5, 3.7)
//   node scripts/test.mjs unit e2e        only the named suites (unit, integration, e2e, vscode, compat)
//   node scripts/test.mjs compat 3.5 3.7  the compat suite on those versions only
// The compat suite is every integration file whose first line is the marker `// @etcd-compat`.
// Servers missing from the cache are built first (scripts/build-servers.mjs; cached ones are not rebuilt).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const ALL_MINORS = ['3.4', '3.5', '3.6', '3.7'];
const COMPAT_MARKER = '// @etcd-compat';

const args = process.argv.slice(2);
const askedMinors = args.filter((a) => ALL_MINORS.includes(a));
const unknown = args.filter((a) => !ALL_MINORS.includes(a) && !['unit', 'integration', 'e2e', 'vscode', 'compat'].includes(a));
if (unknown.length) {
  console.error(`unknown suite or etcd version: ${unknown.join(' ')} (suites: unit integration e2e vscode compat; versions: ${ALL_MINORS.join(' ')})`);
  process.exit(2);
}
const named = args.filter((a) => !ALL_MINORS.includes(a));
const suites = named.length ? named : ['unit', 'integration', 'e2e', 'vscode', 'compat'];
const defaultMinor = (process.env.ETCD_OPS_ETCD_VERSION || '3.6').replace(/^v/, '').split('.').slice(0, 2).join('.');
const compatMinors = askedMinors.length ? askedMinors : ALL_MINORS.filter((m) => m !== defaultMinor);

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .filter((f) => /\.test\.ts$/.test(f))
    .map((f) => path.join(dir, f))
    .sort();
}

function isCompat(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(COMPAT_MARKER.length);
    fs.readSync(fd, head, 0, head.length, 0);
    return head.toString('utf8') === COMPAT_MARKER;
  } finally {
    fs.closeSync(fd);
  }
}

function run(cmd, cmdArgs, env = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

/** The server the harness resolves for a version, as the harness itself reports it (or why it cannot). */
function describeEtcd(minor) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e',
    "const v = require('./test/harness/etcd-version'); console.log(v.describeEtcd(v.etcdBinaries()));"],
  { cwd: root, encoding: 'utf8', env: { ...process.env, ETCD_OPS_ETCD_VERSION: minor }, timeout: 60_000 });
  if (r.status === 0) return { ok: true, text: r.stdout.trim() };
  const reason = /Error: (.*)/.exec(r.stderr ?? '')?.[1] ?? (r.stderr || r.error?.message || 'unknown error').trim();
  return { ok: false, text: reason };
}

const timings = [];
function timed(label, fn) {
  const t = Date.now();
  const status = fn();
  const seconds = Math.round((Date.now() - t) / 1000);
  timings.push(`${label}: ${status === 0 ? 'passed' : 'FAILED'} in ${seconds} s`);
  return status;
}

let failed = 0;
if (run(process.execPath, ['esbuild.mjs']) !== 0) process.exit(1);

const needEtcd = [...new Set([
  ...(suites.some((s) => s !== 'unit' && s !== 'compat') ? [defaultMinor] : []),
  // test/integration/etcd-flag-spellings.test.ts reads the flags of both 3.6 and 3.7.
  ...(suites.includes('integration') ? ['3.6', '3.7'] : []),
  ...(suites.includes('compat') ? compatMinors : []),
])].filter((m) => m !== '3.4');
if (needEtcd.length && timed(`etcd servers (${needEtcd.join(', ')})`, () => run(process.execPath, ['scripts/build-servers.mjs', ...needEtcd])) !== 0) {
  failed = 1;
}

const env = { ETCD_OPS_ETCD_VERSION: defaultMinor };
const onDefault = suites.filter((s) => s !== 'compat');
if (onDefault.some((s) => s !== 'unit')) {
  const etcd = describeEtcd(defaultMinor);
  console.log(`\n=== suites ${onDefault.join(', ')} on ${etcd.text}`);
  if (!etcd.ok) failed = 1;
}
const nodeSuites = onDefault.filter((s) => s === 'unit' || s === 'integration');
const nodeFiles = nodeSuites.flatMap((s) => filesUnder(path.join(root, 'test', s)));
if (nodeFiles.length) {
  // Integration files each start their own etcd cluster; two at a time suits a 2-core machine.
  failed |= timed(`${nodeSuites.join(' + ')} on etcd ${defaultMinor}`, () => run(process.execPath, ['--import', 'tsx', '--test',
    '--test-concurrency=2', '--unhandled-rejections=strict', ...nodeFiles], env));
}
for (const suite of onDefault.filter((s) => s === 'e2e' || s === 'vscode')) {
  const files = filesUnder(path.join(root, 'test', suite));
  if (files.length) {
    failed |= timed(`${suite} on etcd ${defaultMinor}`, () => run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], env));
  }
}

if (suites.includes('compat')) {
  const files = filesUnder(path.join(root, 'test', 'integration')).filter(isCompat);
  for (const minor of compatMinors) {
    const etcd = describeEtcd(minor);
    console.log(`\n=== compat suite (${files.map((f) => path.basename(f, '.test.ts')).join(', ')}) on ${etcd.text}`);
    if (!etcd.ok) { failed = 1; timings.push(`compat on etcd ${minor}: FAILED (${etcd.text})`); continue; }
    failed |= timed(`compat on ${etcd.text.replace(/ \(.*/, '')}`, () => run(process.execPath, ['--import', 'tsx', '--test',
      '--test-concurrency=2', '--unhandled-rejections=strict', ...files], { ETCD_OPS_ETCD_VERSION: minor }));
  }
}

console.log(`\n=== summary\n${timings.join('\n')}`);
process.exit(failed ? 1 : 0);
