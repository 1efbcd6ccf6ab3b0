// `npm start`: from a fresh clone, install what is missing, build, then hand over to scripts/start.ts
// (which needs the dev dependencies, hence this small plain-JS first step).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

// Ctrl+C or a SIGTERM (a test, a process manager) goes to the running step, so that start.ts can stop what it
// started; this process ends only when that step has ended. (On a terminal's Ctrl+C the step gets SIGINT
// twice, directly and from here; start.ts stops once.)
let current = null;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => current?.kill(signal));

/** Runs one step with the terminal's stdio; resolves when it succeeded, else ends this process as it ended. */
function run(cmd, args) {
  return new Promise((resolve) => {
    current = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
    current.on('error', (err) => { console.error(`npm start: ${cmd}: ${err.message}`); process.exit(1); });
    current.on('exit', (code, signal) => {
      current = null;
      if (code === 0) return resolve();
      if (signal) {
        // Die of the same signal, as a shell would report it.
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
        return;
      }
      process.exit(code ?? 1);
    });
  });
}

if (!fs.existsSync(path.join(root, 'node_modules', 'tsx')) || !fs.existsSync(path.join(root, 'node_modules', 'etcd3'))) {
  console.log('Installing dependencies (npm ci)…');
  await run('npm', ['ci', '--no-audit', '--no-fund']);
}
console.log('Building…');
await run(process.execPath, ['esbuild.mjs']);
await run(process.execPath, ['--import', 'tsx', path.join('scripts', 'start.ts'), ...process.argv.slice(2)]);
