// `etcd-ops`: the CLI over src/core. Each command lives in src/cli/<command>.ts and is loaded only when used,
// so `etcd-ops status` does not pay for the simulator or the Kubernetes client.
import * as readline from 'node:readline';
import { version } from '../package.json';
import { nearestName, parseArgs, UsageError } from './cli/args';
import { CliCommand } from './cli/command';
import { renderHelp } from './cli/help';
import { CliIo } from './cli/output';

/** Each command's run is typed by its own table; the registry only needs to hold them. */
type AnyCommand = CliCommand<any>;
export type CommandRegistry = Record<string, () => Promise<{ command: AnyCommand }>>;

export const COMMANDS: CommandRegistry = {
  status: () => import('./cli/status'),
  discover: () => import('./cli/discover'),
  'move-leader': () => import('./cli/move-leader'),
  'remove-member': () => import('./cli/remove-member'),
  'add-member': () => import('./cli/add-member'),
  'promote-member': () => import('./cli/promote-member'),
  'replace-member': () => import('./cli/replace-member'),
  diagnose: () => import('./cli/diagnose'),
  'join-check': () => import('./cli/join-check'),
  certs: () => import('./cli/certs'),
  simulate: () => import('./cli/simulate'),
  nodes: () => import('./cli/nodes'),
  metrics: () => import('./cli/metrics'),
  alarms: () => import('./cli/alarms'),
  compact: () => import('./cli/compact'),
  defrag: () => import('./cli/defrag'),
  'snapshot save': () => import('./cli/snapshot').then((m) => ({ command: m.saveCommand })),
  'snapshot status': () => import('./cli/snapshot').then((m) => ({ command: m.statusCommand })),
};

/** A command named by two words ("snapshot save") is looked up by both; the rest of argv follows them. */
function commandWords(argv: string[], registry: CommandRegistry): [string | undefined, string[]] {
  const [first, second, ...after] = argv;
  if (first !== undefined && second !== undefined && registry[`${first} ${second}`]) return [`${first} ${second}`, after];
  return [first, argv.slice(1)];
}

export const EXIT_USAGE = 2;

const FOOTER = `Run "etcd-ops help <command>" (or "etcd-ops <command> --help") for a command's options.
Commands that talk to etcd take --endpoints URL[,URL...] --cacert FILE --cert FILE --key FILE --timeout MS,
or read ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY. TLS verification is always on.
Every command rejects a flag it does not know, before it reads or connects to anything.
Exit: 0 ok, 1 refused, failed or errors found, 2 usage error.`;

async function overview(registry: CommandRegistry): Promise<string> {
  const names = Object.keys(registry);
  const loaded = await Promise.all(names.map(async (n) => (await registry[n]()).command));
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return [`etcd-ops ${version}: etcd consensus health, safe member operations, join-state diagnosis, Raft rehearsal`, '',
    'Usage: etcd-ops <command> [options]', '', 'Commands:',
    ...names.map((n, i) => `  ${n.padEnd(width)}${loaded[i].summary}`), '', FOOTER].join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

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

/** Runs one command line and returns its exit code. `registry` is for tests that watch what runs. */
export async function main(argv: string[], io: CliIo = processIo(), registry: CommandRegistry = COMMANDS): Promise<number> {
  const [name, rest] = commandWords(argv, registry);
  const names = Object.keys(registry);
  const usage = (where: string, message: string) => { io.err(`${where}: ${oneLine(message)}`); return EXIT_USAGE; };
  if (name === undefined) return usage('etcd-ops', `give a command (${names.join(', ')}); "etcd-ops help" says what each does`);
  if (name === '--version') {
    if (rest.length) return usage('etcd-ops', `--version takes nothing after it, got "${rest[0]}"`);
    io.out(version);
    return 0;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const [topic, extra] = commandWords(rest, registry);
    if (extra.length) return usage('etcd-ops help', `takes one command, got "${rest.join(' ')}"`);
    if (topic === undefined || topic === '--help' || topic === '-h') { io.out(await overview(registry)); return 0; }
    if (!registry[topic]) return usage('etcd-ops help', `unknown command "${topic}" (commands: ${names.join(', ')})`);
    io.out(renderHelp(topic, (await registry[topic]()).command));
    return 0;
  }
  const load = registry[name];
  if (!load) {
    const subcommands = names.filter((n) => n.startsWith(`${name} `)).map((n) => n.slice(name.length + 1));
    if (subcommands.length) return usage(`etcd-ops ${name}`, `give a subcommand: ${subcommands.join(', ')}`);
    const near = nearestName(name, names);
    return usage('etcd-ops', `unknown command "${name}"${near ? ` (did you mean ${near}?)` : ''}; commands: ${names.join(', ')}`);
  }
  const { command } = await load();
  let args;
  try {
    // Parsed in full before the command runs: nothing is read or sent for a command line with a mistake.
    args = parseArgs(rest, command.options, command.positional);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return usage(`etcd-ops ${name}`, `${err.message}; "etcd-ops ${name} --help" lists its options`);
  }
  if (args.help) { io.out(renderHelp(name, command)); return 0; }
  try {
    return await command.run(args, io);
  } catch (err) {
    // One line, never a stack trace: the reason is what an operator needs.
    if (err instanceof UsageError) return usage(`etcd-ops ${name}`, err.message);
    io.err(`etcd-ops ${name}: error: ${oneLine((err as Error).message ?? String(err))}`);
    return 1;
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
