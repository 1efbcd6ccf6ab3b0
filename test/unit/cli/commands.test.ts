// Every command's option table through the CLI's entry point: a command line with a mistake is a usage error
// (one line, exit 2) and the command never runs, so it neither connects nor reads a file. Observed three ways:
// a registry whose run() only counts, a TCP listener that counts connections, and a watch on fs reads.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import realFs = require('node:fs');
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { COMMANDS, CommandRegistry, main } from '../../../src/cli';
import { OptionSpec, OptionTable } from '../../../src/cli/args';
import { CliCommand } from '../../../src/cli/command';
import { CliIo } from '../../../src/cli/output';

interface Captured { io: CliIo; out: string[]; err: string[] }

function capture(): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false, ask: async () => 'n' } };
}

const NAMES = Object.keys(COMMANDS);
const loaded = new Map<string, CliCommand>();

/** The real commands (tables, help) with a run() that only records that it was reached. */
function countingRegistry(): { registry: CommandRegistry; runs: string[] } {
  const runs: string[] = [];
  const registry: CommandRegistry = {};
  for (const name of NAMES) {
    registry[name] = async () => ({ command: { ...loaded.get(name)!, run: async () => { runs.push(name); return 0; } } });
  }
  return { registry, runs };
}

/** A value the table accepts for the option. */
function validValue(spec: Exclude<OptionSpec, { type: 'boolean' }>): fc.Arbitrary<string> {
  if (spec.type === 'integer') return fc.integer({ min: spec.min, max: spec.max ?? spec.min + 100_000 }).map(String);
  if (spec.choices) return fc.constantFrom(...spec.choices);
  return fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.startsWith('-'));
}

/** A command line the table accepts: some of its options once each, in any order, and its positional if any. */
function validArgv(command: CliCommand): fc.Arbitrary<string[]> {
  const entries = Object.entries(command.options as OptionTable);
  const picks = entries.map(([name, spec]) => fc.option(spec.type === 'boolean'
    ? fc.constant<string[]>([`--${name}`])
    : fc.tuple(validValue(spec), fc.boolean()).map<string[]>(([v, inline]) => (inline ? [`--${name}=${v}`] : [`--${name}`, v])), { nil: undefined }));
  const positional = command.positional ? fc.option(fc.string({ minLength: 1, maxLength: 10 }).filter((s) => !s.startsWith('-')), { nil: undefined }) : fc.constant(undefined);
  return fc.tuple(fc.tuple(...picks), positional, fc.nat()).map(([chosen, pos, seed]) => {
    const groups = chosen.filter((g): g is string[] => g !== undefined);
    // Shuffle option groups deterministically from the seed; the positional goes anywhere between them.
    const order = groups.map((g, i) => ({ g, k: (seed * (i + 7)) % 101 })).sort((a, b) => a.k - b.k).map((x) => x.g);
    if (pos !== undefined) order.splice(seed % (order.length + 1), 0, [pos]);
    return order.flat();
  });
}

/** One mistake of each kind the parser must refuse, for this command's table. */
function mistake(command: CliCommand): fc.Arbitrary<{ kind: string; args: string[]; atEnd?: boolean }> {
  const table = command.options as OptionTable;
  const known = new Set([...Object.keys(table), 'help']);
  const unknownName = fc.stringMatching(/^[a-z][a-z0-9-]{0,14}$/).filter((n) => !known.has(n));
  const kinds: fc.Arbitrary<{ kind: string; args: string[]; atEnd?: boolean }>[] = [
    unknownName.map((n) => ({ kind: 'unknown flag', args: [`--${n}`] })),
    fc.tuple(unknownName, fc.string({ maxLength: 8 })).map(([n, v]) => ({ kind: 'unknown flag with value', args: [`--${n}=${v}`] })),
    fc.constantFrom(...'abcdefgijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('')).map((c) => ({ kind: 'unknown short flag', args: [`-${c}`] })),
    fc.constant({ kind: 'removed flag', args: ['--insecure-skip-verify'] }),
    fc.constant({ kind: 'typo of --dry-run', args: ['--dryrun'] }),
  ];
  const valued = Object.entries(table).filter(([, s]) => s.type !== 'boolean');
  if (valued.length) kinds.push(fc.constantFrom(...valued.map(([n]) => n)).map((n) => ({ kind: 'missing value', args: [`--${n}`], atEnd: true })));
  const integers = Object.entries(table).filter(([, s]) => s.type === 'integer');
  if (integers.length) {
    const notInteger = fc.oneof(fc.string({ maxLength: 6 }).filter((s) => !/^[0-9]+$/.test(s)), fc.constantFrom('1.5', '1e3', '0x10', '-1', '99999999999999999999'));
    kinds.push(fc.tuple(fc.constantFrom(...integers.map(([n]) => n)), notInteger).map(([n, v]) => ({ kind: 'bad number', args: [`--${n}=${v}`] })));
  }
  const booleans = Object.entries(table).filter(([, s]) => s.type === 'boolean');
  if (booleans.length) kinds.push(fc.constantFrom(...booleans.map(([n]) => n)).map((n) => ({ kind: 'value on a boolean', args: [`--${n}=yes`] })));
  const stray = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.startsWith('-'));
  // With a positional slot, a second positional is the stray one.
  kinds.push((command.positional ? fc.tuple(stray, stray) : stray.map((s) => [s])).map((a) => ({ kind: 'stray positional', args: Array.isArray(a) ? a : [a], atEnd: true })));
  return fc.oneof(...kinds);
}

before(async () => {
  for (const name of NAMES) loaded.set(name, (await COMMANDS[name]()).command as CliCommand);
});

describe('every command refuses a command line with a mistake before it runs', () => {
  for (const name of NAMES) {
    it(`${name}: random valid lines run; the same lines with one mistake exit 2 with one line and never run`, async () => {
      const command = loaded.get(name)!;
      await fc.assert(fc.asyncProperty(validArgv(command), mistake(command), fc.nat(), async (argv, bad, at) => {
        const ok = countingRegistry();
        const good = capture();
        assert.equal(await main([name, ...argv], good.io, ok.registry), 0, `${name} ${argv.join(' ')}: ${good.err.join('\n')}`);
        assert.deepEqual(ok.runs, [name], 'a valid line runs the command');

        const line = [...argv];
        if (bad.atEnd) line.push(...bad.args);
        else line.splice(at % (line.length + 1), 0, ...bad.args);
        // Anywhere, even between a flag and its value: a dash there is refused as a missing value.
        const watched = countingRegistry();
        const c = capture();
        const code = await main([name, ...line], c.io, watched.registry);
        assert.equal(code, 2, `${bad.kind}: ${name} ${JSON.stringify(line)} gave ${code}`);
        assert.deepEqual(watched.runs, [], `${bad.kind}: the command ran`);
        assert.deepEqual(c.out, []);
        assert.equal(c.err.length, 1);
        assert.doesNotMatch(c.err[0], /\n/);
        assert.match(c.err[0], new RegExp(`^etcd-ops ${name}: `));
      }), { numRuns: 150 });
    });
  }

  it('the exact typo from the field: remove-member --member m3 --yes --dryrun', async () => {
    const watched = countingRegistry();
    const c = capture();
    assert.equal(await main(['remove-member', '--member', 'm3', '--yes', '--dryrun'], c.io, watched.registry), 2);
    assert.deepEqual(watched.runs, []);
    assert.deepEqual(c.err, ['etcd-ops remove-member: unknown flag --dryrun (did you mean --dry-run?); "etcd-ops remove-member --help" lists its options']);
  });
});

describe('help and version', () => {
  it('--help and "help <command>" print the same text, generated from the table, exit 0, without running', async () => {
    for (const name of NAMES) {
      const command = loaded.get(name)!;
      const a = capture();
      const b = capture();
      const watched = countingRegistry();
      assert.equal(await main([name, '--help'], a.io, watched.registry), 0);
      assert.equal(await main(['help', name], b.io, watched.registry), 0);
      assert.equal(await main([name, '-h'], capture().io, watched.registry), 0);
      assert.deepEqual(watched.runs, []);
      assert.deepEqual(a.out, b.out);
      const text = a.out.join('\n');
      assert.ok(text.startsWith(`etcd-ops ${name} ${command.synopsis}\n`), text.slice(0, 200));
      for (const [flag, spec] of Object.entries(command.options as OptionTable)) {
        const label = spec.type === 'boolean' ? `--${flag}` : `--${flag} ${spec.value}`;
        assert.match(text, new RegExp(`^ {2}${label.replace(/[|[\].]/g, '\\$&')}(?= |$)`, 'm'), `${name} help lists ${label}`);
      }
      assert.match(text, /^Exit: /m, `${name} help says its exit codes`);
      assert.doesNotMatch(text, /insecure/);
      for (const line of text.split('\n')) assert.ok(line.length <= 110, `${name}: ${line}`);
    }
  });

  it('commands that talk to etcd share the connection options and say TLS verification stays on', () => {
    for (const name of ['status', 'move-leader', 'remove-member', 'diagnose']) {
      const options = loaded.get(name)!.options as OptionTable;
      assert.deepEqual(['endpoints', 'cacert', 'cert', 'key', 'timeout'].filter((k) => !(k in options)), [], name);
      assert.match(options.endpoints.group ?? '', /TLS server verification is always on/);
    }
    for (const name of ['discover', 'certs', 'simulate']) assert.ok(!('endpoints' in loaded.get(name)!.options), name);
  });

  it('move-leader and remove-member say how a member id is read', async () => {
    for (const name of ['move-leader', 'remove-member']) {
      const c = capture();
      await main(['help', name], c.io);
      const text = c.out.join('\n').replace(/\n/g, ' ');
      assert.match(text, /name of a member \(exact match\)/);
      assert.match(text, /hex, as etcdctl prints it/);
      assert.match(text, /an all-digit id such as 1234 is hex too/);
      assert.match(text, /decimal id .* only when it cannot be hex/);
      assert.match(text, /A prefix of an id matches nothing/);
    }
  });

  it('"help" lists every command with one line each; --version prints the package version', async () => {
    const c = capture();
    assert.equal(await main(['help'], c.io), 0);
    const text = c.out.join('\n');
    for (const name of NAMES) {
      const rows = text.split('\n').filter((l) => l.startsWith(`  ${name} `));
      assert.equal(rows.length, 1, name);
      assert.ok(rows[0].endsWith(loaded.get(name)!.summary), rows[0]);
    }
    assert.match(text, /Exit: 0 ok, 1 refused, failed or errors found, 2 usage error/);
    const v = capture();
    assert.equal(await main(['--version'], v.io), 0);
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    assert.deepEqual(v.out, [pkg.version]);
  });

  it('no command, an unknown command, help of an unknown command: one line, exit 2', async () => {
    for (const [argv, re] of [
      [[], /^etcd-ops: give a command \(status, /],
      [['stauts'], /^etcd-ops: unknown command "stauts" \(did you mean status\?\)/],
      [['--endpoints', 'x', 'status'], /^etcd-ops: unknown command "--endpoints"/],
      [['help', 'nosuch'], /^etcd-ops help: unknown command "nosuch"/],
      [['help', 'status', 'extra'], /^etcd-ops help: takes one command/],
      [['--version', 'status'], /^etcd-ops: --version takes nothing after it/],
    ] as [string[], RegExp][]) {
      const watched = countingRegistry();
      const c = capture();
      assert.equal(await main(argv, c.io, watched.registry), 2, argv.join(' '));
      assert.equal(c.err.length, 1);
      assert.match(c.err[0], re);
      assert.deepEqual(watched.runs, []);
      assert.deepEqual(c.out, []);
    }
  });
});

describe('the real commands: a mistake opens no connection and reads no file', () => {
  let server: net.Server;
  let connections = 0;
  let endpoint = '';
  let tmp = '';
  const touched: string[] = [];
  const originals = new Map<string, unknown>();
  const watchedFs = ['statSync', 'lstatSync', 'readdirSync', 'readFileSync', 'existsSync', 'openSync'] as const;

  /** A fresh listener: a client a finished command left behind may still dial the previous one. */
  async function listen(): Promise<void> {
    server?.close();
    server = net.createServer((s) => { connections++; s.destroy(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    endpoint = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }

  before(async () => {
    await listen();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-cli-args-'));
    fs.writeFileSync(path.join(tmp, 'server.crt'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    fs.mkdirSync(path.join(tmp, 'data', 'member'), { recursive: true });
    for (const name of watchedFs) {
      // The module object itself: the commands' `import * as fs` reads through to it.
      const original = realFs[name] as (...a: unknown[]) => unknown;
      originals.set(name, original);
      (realFs as unknown as Record<string, unknown>)[name] = (p: unknown, ...rest: unknown[]) => {
        if (String(p).startsWith(tmp)) touched.push(`${name} ${p}`);
        return original.call(realFs, p, ...rest);
      };
    }
  });
  after(() => {
    for (const [name, original] of originals) (realFs as unknown as Record<string, unknown>)[name] = original;
    server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const conn = () => ['--endpoints', endpoint, '--timeout', '300'];
  const lines = (): [string, string[]][] => [
    ['status', conn()],
    ['move-leader', ['--to', 'm2', '--yes', '--deadline', '1000', ...conn()]],
    ['remove-member', ['--member', 'm3', '--yes', '--deadline', '1000', ...conn()]],
    ['diagnose', ['--data-dir', path.join(tmp, 'data'), ...conn()]],
    ['certs', [path.join(tmp, 'server.crt')]],
  ];

  it('without the mistake each line connects or reads (the observation works)', async () => {
    for (const [name, argv] of lines()) {
      connections = 0;
      touched.length = 0;
      const code = await main([name, ...argv], capture().io);
      assert.notEqual(code, 2, name);
      assert.ok(connections > 0 || touched.length > 0, `${name}: neither connected nor read`);
    }
  });

  it('random unknown flags, anywhere in the line: exit 2, no connection, no file read', async () => {
    await listen();
    await fc.assert(fc.asyncProperty(fc.constantFrom(...lines()), fc.stringMatching(/^[a-z][a-z-]{0,10}$/), fc.nat(), async ([name, argv], flag, at) => {
      const options = loaded.get(name)!.options as OptionTable;
      fc.pre(!(flag in options) && flag !== 'help');
      const line = [...argv];
      // Only between whole flag/value pairs, where it can only be read as a flag.
      const slots = line.map((a, i) => i).filter((i) => i === 0 || !line[i - 1].startsWith('--') || (options[line[i - 1].slice(2)]?.type === 'boolean'));
      line.splice(slots[at % slots.length] ?? line.length, 0, `--${flag}`);
      connections = 0;
      touched.length = 0;
      const c = capture();
      assert.equal(await main([name, ...line], c.io), 2, `${name} ${line.join(' ')}`);
      assert.equal(c.err.length, 1);
      assert.equal(connections, 0, `${name} connected`);
      assert.deepEqual(touched, [], `${name} read files`);
    }), { numRuns: 60 });
  });
});
