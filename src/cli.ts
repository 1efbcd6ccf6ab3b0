// `etcd-ops`: the CLI over src/core. Each command lives in src/cli/<command>.ts and is loaded only when used,
// so `etcd-ops status` does not pay for the simulator or the Kubernetes client.
import * as readline from 'node:readline';
import { parseArgs, UsageError } from './cli/args';
import { CliCommand } from './cli/command';
import { CliIo } from './cli/output';


const commands: Record<string, () => Promise<{ command: CliCommand }>> = {
  status: () => import('./cli/status'),
  discover: () => import('./cli/discover'),
  'move-leader': () => import('./cli/move-leader'),
  'remove-member': () => import('./cli/remove-member'),
  diagnose: () => import('./cli/diagnose'),
  certs: () => import('./cli/certs'),
  simulate: () => import('./cli/simulate'),
  metrics: () => import('./cli/metrics'),
};

const USAGE = `etcd-ops <command> [flags]

Commands: ${Object.keys(commands).join(', ')}
Connection flags (status, move-leader, remove-member, diagnose):
  --endpoints URL[,URL...]  every member's client URL (never just the first)
  --cacert F --cert F --key F  TLS files   --timeout MS  per-call deadline (default 2000)
Every command takes --json. Run "etcd-ops <command> --help" for its flags.`;

function processIo(): CliIo {
  // `etcd-ops status | head` closes the pipe early: that is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });
  return {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    ask: (q) => new Promise((resolve) => {
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
      rl.question(q, (a) => { rl.close(); resolve(a); });
    }),
  };
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') { io.out(USAGE); return name ? 0 : 2; }
  const load = commands[name];
  if (!load) { io.err(`etcd-ops: unknown command "${name}"\n${USAGE}`); return 2; }
  try {
    const { command } = await load();
    return await command.run(parseArgs(rest), io);
  } catch (err) {
    // One line, never a stack trace: the reason is what an operator needs.
    io.err(`etcd-ops ${name}: ${err instanceof UsageError ? '' : 'error: '}${(err as Error).message ?? String(err)}`);
    return err instanceof UsageError ? 2 : 1;
  }
}

// grpc-js passes IP addresses as TLS server names, which Node flags with a deprecation warning on every run.
function silenceServerNameWarning(): void {
  const original = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' ? (rest[0] as { code?: string })?.code : rest[1];
    if (code === 'DEP0123') return;
    return (original as (...a: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

if (require.main === module) {
  silenceServerNameWarning();
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
