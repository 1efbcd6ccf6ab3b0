// The built CLI as a process, for every command: a mistake in the command line is one line on stderr and
// exit 2 with nothing on stdout; help, "help <command>" and --version answer on stdout with exit 0.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { ensureBuilt, runCli } from '../harness/cli';

const COMMANDS = ['status', 'discover', 'move-leader', 'remove-member', 'diagnose', 'certs', 'simulate'];

describe('etcd-ops usage errors, help and version (CLI process)', () => {
  before(() => ensureBuilt());

  it('every command: an unknown flag, a stray argument, a missing value exit 2 with one line', async () => {
    const valued: Record<string, string> = {
      status: '--endpoints', discover: '--root', 'move-leader': '--to', 'remove-member': '--member', diagnose: '--data-dir', certs: '--hosts', simulate: '--scenario',
    };
    await Promise.all(COMMANDS.map(async (name) => {
      for (const argv of [[name, '--no-such-flag'], [name, 'one', 'two'], [name, valued[name]]]) {
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
      const [a, b] = await Promise.all([runCli(['help', name]), runCli([name, '--help'])]);
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
