// Shared helpers for benchmarks: timing of whole processes, medians, and the BENCH_JSON line the runner collects.
import { execFile } from 'node:child_process';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Wall time of one process, from spawn to exit, in ms. Rejects on non-zero exit unless allowed. */
export function timeProcess(cmd: string, args: string[], options: { allowFailure?: boolean; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 120000, maxBuffer: 64 << 20 }, (err, _out, stderr) => {
      const ms = performance.now() - started;
      if (err && !options.allowFailure) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(ms);
    });
  });
}

export function report(name: string, rows: [string, string | number][], json: Record<string, unknown>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n== ${name} ==`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  console.log(`BENCH_JSON ${JSON.stringify({ bench: name, ...json })}`);
}
