// Runs the built CLI (dist/cli.js) as a real process, the way an operator does.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
export const CLI = path.join(root, 'dist', 'cli.js');

/** npm test builds first; a single-file run rebuilds when the sources are newer than the bundle. */
export function ensureBuilt(): void {
  const built = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
  const newest = (fs.readdirSync(path.join(root, 'src'), { recursive: true }) as string[])
    .map((f) => fs.statSync(path.join(root, 'src', f)).mtimeMs).reduce((a, b) => Math.max(a, b), 0);
  if (newest > built) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: options.timeoutMs ?? 60000, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      });
  });
}

export function tlsFlags(tls: { caFile: string; certFile: string; keyFile: string }): string[] {
  return ['--cacert', tls.caFile, '--cert', tls.certFile, '--key', tls.keyFile];
}
