// The built CLI as a process, for every command: a mistake in the command line is one line on stderr and
// exit 2 with nothing on stdout; help, "help <command>" and --version answer on stdout with exit 0.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { COMMANDS as REGISTRY } from '../../src/cli';
import { OptionSpec } from '../../src/cli/args';
import { ensureBuilt, runCli } from '../harness/cli';

// Every registered command, so a new one is held to the same rules without editing this test.
const COMMANDS = Object.keys(REGISTRY);
const words = (name: string) => name.split(' ');

/** A flag of the command's own table that takes a value, to leave it missing; null when it has none. */
async function valuedFlag(name: string): Promise<string | null> {
  const { command } = await REGISTRY[name]();
  const flag = Object.entries(command.options).find(([, o]) => (o as OptionSpec).type !== 'boolean')?.[0];
  return flag ? `--${flag}` : null;
}

describe('etcd-ops usage errors, help and version (CLI process)', () => {
  before(() => ensureBuilt());

  it('every command: an unknown flag, a stray argument, a missing value exit 2 with one line', async () => {
    await Promise.all(COMMANDS.map(async (name) => {
      const valued = await valuedFlag(name);
      const cases = [[...words(name), '--no-such-flag'], [...words(name), 'one', 'two'], ...(valued ? [[...words(name), valued]] : [])];
      for (const argv of cases) {
        const r = await runCli(argv, { env: { ETCDCTL_ENDPOINTS: 'https://127.0.0.1:1' } });
        assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, '', argv.join(' '));
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`^etcd-ops ${name}: `));
        assert.doesNotMatch(r.stderr, /\n\s+at /);
      }
    }));
  });

  it('help, help <command>, <command> --help and --version', async () => {
    const list = await runCli(['help']);
    assert.equal(list.code, 0);
    for (const name of COMMANDS) assert.match(list.stdout, new RegExp(`^ {2}${name} +\\S`, 'm'));
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
    const v = await runCli(['--version']);
    assert.equal(v.code, 0);
    assert.equal(v.stdout, `${pkg.version}\n`);
    for (const name of COMMANDS) {
      const [a, b] = await Promise.all([runCli(['help', ...words(name)]), runCli([...words(name), '--help'])]);
      assert.equal(a.code, 0);
      assert.equal(a.stdout, b.stdout);
      assert.match(a.stdout, new RegExp(`^etcd-ops ${name} `));
    }
    const none = await runCli([]);
    assert.equal(none.code, 2);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /^etcd-ops: give a command/);
  });
});
