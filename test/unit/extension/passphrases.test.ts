// A wrong key passphrase must not stay stored forever: one that does not open the key is forgotten and asked
// for again, a wrong answer is never stored, and "Forget Stored Passphrases" forgets them all. Real encrypted
// keys made by openssl; the secret store and the prompt are the test's own (VS Code's are not reachable here).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConnectionProfile } from '../../../src/core/etcd/profile';
import { loadTls } from '../../../src/core/etcd/tls';
import { MAX_ATTEMPTS, PassphraseRequest, Passphrases } from '../../../src/extension/passphrases';

let dir: string;
let keyFile: string;
let otherKeyFile: string;
let plainKeyFile: string;
let certFile: string;

function store() {
  const secrets = new Map<string, string>();
  const state = new Map<string, unknown>();
  return {
    secrets,
    state,
    secretStorage: {
      get: async (k: string) => secrets.get(k),
      store: async (k: string, v: string) => { secrets.set(k, v); },
      delete: async (k: string) => { secrets.delete(k); },
    },
    memento: {
      get: <T>(k: string, d?: T) => (state.has(k) ? state.get(k) : d) as T,
      update: async (k: string, v: unknown) => { state.set(k, v); },
    },
  };
}

/** A prompt that gives the scripted answers in order and records what it was asked. */
function prompt(answers: (string | undefined)[]) {
  const asked: PassphraseRequest[] = [];
  return { asked, ask: async (r: PassphraseRequest) => { asked.push(r); return answers.shift(); } };
}

const profile = (name: string, key: string): ConnectionProfile => ({ name, endpoints: ['https://127.0.0.1:2379'], tls: { certFile, keyFile: key } });

describe('stored key passphrases', () => {
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-passphrase-'));
    plainKeyFile = path.join(dir, 'plain.key');
    certFile = path.join(dir, 'client.crt');
    keyFile = path.join(dir, 'client.key');
    otherKeyFile = path.join(dir, 'other.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', plainKeyFile,
      '-out', certFile, '-days', '30', '-subj', '/CN=client'], { stdio: 'ignore' });
    execFileSync('openssl', ['pkey', '-in', plainKeyFile, '-aes256', '-passout', 'pass:right', '-out', keyFile]);
    execFileSync('openssl', ['pkey', '-in', plainKeyFile, '-aes256', '-passout', 'pass:other', '-out', otherKeyFile]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a stored passphrase that does not open the key is forgotten, asked for again, and the right one kept', async () => {
    const s = store();
    s.secrets.set(`etcdOps.keyPassphrase:${keyFile}`, 'stale');
    s.state.set('etcdOps.passphraseKeyFiles', [keyFile]);
    const p = prompt(['right']);
    const [filled] = await new Passphrases(s.secretStorage, s.memento, p.ask).fill([profile('prod', keyFile)]);
    assert.deepEqual(p.asked.map((r) => r.reason), ['stored-wrong']);
    assert.equal(filled.tls?.keyPassphrase, 'right');
    assert.equal(s.secrets.get(`etcdOps.keyPassphrase:${keyFile}`), 'right');
    assert.ok(loadTls(filled.tls)?.privateKey, 'the profile can decrypt its key');
  });

  it('a wrong answer is never stored; it asks again, at most a few times, then goes on without one', async () => {
    const s = store();
    const p = prompt(['nope', 'right']);
    const [filled] = await new Passphrases(s.secretStorage, s.memento, p.ask).fill([profile('prod', keyFile)]);
    assert.deepEqual(p.asked.map((r) => [r.reason, r.attempt]), [['missing', 1], ['wrong', 2]]);
    assert.equal(filled.tls?.keyPassphrase, 'right');

    const t = store();
    const q = prompt(Array(MAX_ATTEMPTS + 2).fill('nope'));
    const [none] = await new Passphrases(t.secretStorage, t.memento, q.ask).fill([profile('prod', keyFile)]);
    assert.equal(q.asked.length, MAX_ATTEMPTS);
    assert.equal(none.tls?.keyPassphrase, undefined);
    assert.equal(t.secrets.size, 0, 'nothing stored');
    assert.throws(() => loadTls(none.tls), /passphrase is needed/);
  });

  it('a stored passphrase that opens the key is used without asking; a cancelled prompt stores nothing', async () => {
    const s = store();
    s.secrets.set(`etcdOps.keyPassphrase:${keyFile}`, 'right');
    const p = prompt([]);
    const [filled] = await new Passphrases(s.secretStorage, s.memento, p.ask).fill([profile('prod', keyFile)]);
    assert.equal(p.asked.length, 0);
    assert.equal(filled.tls?.keyPassphrase, 'right');

    const t = store();
    t.secrets.set(`etcdOps.keyPassphrase:${keyFile}`, 'stale');
    const cancel = prompt([undefined]);
    const [cancelled] = await new Passphrases(t.secretStorage, t.memento, cancel.ask).fill([profile('prod', keyFile)]);
    assert.equal(cancelled.tls?.keyPassphrase, undefined);
    assert.equal(t.secrets.size, 0, 'the stale one is gone even though the prompt was cancelled');
  });

  it('asks once per key file, leaves unencrypted keys alone', async () => {
    const s = store();
    const p = prompt(['right']);
    const out = await new Passphrases(s.secretStorage, s.memento, p.ask).fill([profile('a', keyFile), profile('b', keyFile), profile('plain', plainKeyFile)]);
    assert.equal(p.asked.length, 1);
    assert.deepEqual(out.map((x) => x.tls?.keyPassphrase), ['right', 'right', undefined]);
  });

  it('"Forget Stored Passphrases" forgets every stored one, so the next connection asks again', async () => {
    const s = store();
    const first = prompt(['right', 'other']);
    const passphrases = new Passphrases(s.secretStorage, s.memento, first.ask);
    await passphrases.fill([profile('a', keyFile), profile('b', otherKeyFile)]);
    assert.equal(s.secrets.size, 2);
    s.secrets.set(`etcdOps.keyPassphrase:${path.join(dir, 'unlisted.key')}`, 'x');
    assert.equal(await passphrases.forgetAll([path.join(dir, 'unlisted.key')]), 3);
    assert.equal(s.secrets.size, 0);
    const again = prompt(['right']);
    await new Passphrases(s.secretStorage, s.memento, again.ask).fill([profile('a', keyFile)]);
    assert.deepEqual(again.asked.map((r) => r.reason), ['missing']);
  });
});
