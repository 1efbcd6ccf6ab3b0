// @etcd-compat: also runs on etcd 3.4, 3.5 and 3.7 (scripts/test.mjs)
// How --member and --to are read, on a real cluster built to be ambiguous: a member named like hex ("abc"),
// a member named like another member's hex id, and a member whose hex id is all digits. etcd derives a
// bootstrap member's id from its peer URL and the cluster token (sha1, first 8 bytes), so the test picks the
// token that gives the third member an all-digit id, and checks the ids against etcdctl before relying on them.
import assert from 'node:assert/strict';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBuilt, runCli } from '../harness/cli';
import { makeTestPki, TestPki } from '../harness/certs';
import { freePort } from '../harness/etcd-cluster';

interface Member { name: string; clientUrl: string; peerUrl: string; id: string; process: ChildProcess | null }

/** etcd's id of a member bootstrapped with this peer URL and cluster token, in hex as etcdctl prints it. */
function bootstrapId(peerUrl: string, token: string): string {
  return createHash('sha1').update(peerUrl + token).digest().readBigUInt64BE(0).toString(16);
}

describe('--member / --to: names, hex ids, decimal ids (real etcd, CLI process)', () => {
  let root = '';
  let pki: TestPki;
  const members: Member[] = [];
  let conn: string[] = [];

  const etcdctl = (args: string[], endpoints = members.filter((m) => m.process).map((m) => m.clientUrl)) => new Promise<string>((resolve, reject) => {
    execFile('etcdctl', [`--endpoints=${endpoints.join(',')}`, `--cacert=${pki.ca}`, `--cert=${pki.clientCert}`, `--key=${pki.clientKey}`,
      '--dial-timeout=2s', '--command-timeout=5s', ...args], { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 15000 },
    (err, stdout, stderr) => (err ? reject(new Error(`etcdctl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
  /** id -> name, from etcdctl. */
  const ctlMembers = async () => new Map((await etcdctl(['member', 'list'])).trim().split('\n').map((l) => l.split(', '))
    .map((f) => [BigInt(`0x${f[0]}`).toString(16), f[2]] as [string, string]));

  before(async () => {
    ensureBuilt();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-member-ids-'));
    pki = makeTestPki(path.join(root, 'pki'));
    const ports: number[] = [];
    for (let i = 0; i < 6; i++) ports.push(await freePort());
    const peers = [0, 1, 2].map((i) => `https://127.0.0.1:${ports[2 * i + 1]}`);
    let token = '';
    for (let n = 0; n < 200_000 && !token; n++) {
      const candidate = `etcd-ops-ids-${process.pid}-${n}`;
      const third = bootstrapId(peers[2], candidate);
      if (/^[1-9][0-9]{15}$/.test(third)) token = candidate;
    }
    assert.ok(token, 'no cluster token gives an all-digit id');
    const ids = peers.map((p) => bootstrapId(p, token));
    // "abc" reads as hex too; the second member is named as the first member's id.
    const names = ['abc', ids[0], 'third'];
    for (let i = 0; i < 3; i++) {
      members.push({ name: names[i], clientUrl: `https://127.0.0.1:${ports[2 * i]}`, peerUrl: peers[i], id: ids[i], process: null });
    }
    const initial = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    for (const m of members) {
      m.process = spawn('etcd', ['--name', m.name, '--data-dir', path.join(root, `${i(m)}.etcd`),
        '--listen-client-urls', m.clientUrl, '--advertise-client-urls', m.clientUrl,
        '--listen-peer-urls', m.peerUrl, '--initial-advertise-peer-urls', m.peerUrl,
        '--initial-cluster', initial, '--initial-cluster-state', 'new', '--initial-cluster-token', token,
        '--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--trusted-ca-file', pki.ca, '--client-cert-auth',
        '--peer-cert-file', pki.serverCert, '--peer-key-file', pki.serverKey, '--peer-trusted-ca-file', pki.ca, '--peer-client-cert-auth',
        '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'error'], { stdio: 'ignore' });
      m.process.on('exit', () => { m.process = null; });
    }
    const deadline = Date.now() + 30000;
    for (;;) {
      try {
        await etcdctl(['endpoint', 'health']);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    conn = ['--endpoints', members.map((m) => m.clientUrl).join(','), '--cacert', pki.ca, '--cert', pki.clientCert, '--key', pki.clientKey];
    // The ids this test relies on are the ones etcd gave, not only the ones computed.
    assert.deepEqual([...(await ctlMembers())].sort(), members.map((m) => [m.id, m.name]).sort());
  });

  function i(m: Member): number { return members.indexOf(m); }

  after(async () => {
    await Promise.all(members.map((m) => new Promise<void>((resolve) => {
      if (!m.process) return resolve();
      m.process.once('exit', () => resolve());
      m.process.kill('SIGKILL');
    })));
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  /** Whom a dry run resolves the input to; a dry run sends nothing. */
  async function resolves(command: 'remove-member' | 'move-leader', input: string) {
    const r = await runCli([command, command === 'move-leader' ? '--to' : '--member', input, '--dry-run', '--json', ...conn]);
    const out = JSON.parse(r.stdout) as { targetId: string | null; targetName: string | null; refused: boolean; reason: string };
    return { code: r.code, ...out };
  }

  it('a name that looks like hex is read as the name', async () => {
    const r = await resolves('remove-member', 'abc');
    assert.equal(r.targetId, members[0].id);
    assert.equal(r.targetName, 'abc');
    // Names match exactly: ABC is no name, so it is read as the hex id 0xabc, which no member has.
    const upper = await resolves('remove-member', 'ABC');
    assert.equal(upper.code, 1);
    assert.equal(upper.targetId, null);
    assert.match(upper.reason, /no member "ABC"/);
  });

  it('hex ids as etcdctl prints them, in any case and with 0x; decimal ids only when they cannot be hex', async () => {
    for (const m of [members[0], members[2]]) {
      for (const input of [m.id.toUpperCase(), `0x${m.id}`, BigInt(`0x${m.id}`).toString(10)]) {
        const r = await resolves('remove-member', input);
        assert.equal(r.targetId, m.id, `${input} -> ${r.reason}`);
      }
    }
  });

  it('an all-digit id is read as hex, as etcdctl prints it, by both commands', async () => {
    const digits = members[2].id;
    assert.match(digits, /^[0-9]{16}$/);
    for (const command of ['remove-member', 'move-leader'] as const) {
      const r = await resolves(command, digits);
      assert.equal(r.targetId, digits, `${command}: ${r.reason}`);
      assert.equal(r.targetName, 'third');
    }
    // The same digits read as decimal would be another id: no member has it.
    assert.ok(!members.some((m) => m.id === BigInt(digits).toString(16)));
  });

  it('a name equal to another member\'s hex id is read as the name; 0x<id> reaches the other member', async () => {
    const named = await resolves('remove-member', members[0].id);
    assert.equal(named.targetId, members[1].id);
    assert.equal(named.targetName, members[0].id);
    const byId = await resolves('remove-member', `0x${members[0].id}`);
    assert.equal(byId.targetId, members[0].id);
    assert.equal(byId.targetName, 'abc');
  });

  it('a prefix of an id matches nothing: refused, exit 1, nothing changed', async () => {
    const before = await ctlMembers();
    for (const input of [members[0].id.slice(0, 8), members[2].id.slice(0, 10), members[0].id.slice(2)]) {
      const r = await resolves('remove-member', input);
      assert.equal(r.code, 1, input);
      assert.equal(r.refused, true);
      assert.equal(r.targetId, null);
      assert.match(r.reason, new RegExp(`no member "${input}"`));
      const plain = await runCli(['remove-member', '--member', input, '--yes', ...conn]);
      assert.equal(plain.code, 1, plain.stderr);
      assert.match(plain.stderr, /no member/);
    }
    assert.deepEqual(await ctlMembers(), before);
  });

  it('remove-member --yes with the all-digit hex id removes that member and no other (etcdctl)', async () => {
    const r = await runCli(['remove-member', '--member', members[2].id, '--yes', '--json', ...conn]);
    const out = JSON.parse(r.stdout) as { ok: boolean; removed: string | null; reason: string };
    assert.equal(r.code, 0, out.reason);
    assert.equal(out.removed, members[2].id);
    const left = await ctlMembers();
    assert.deepEqual([...left.keys()].sort(), [members[0].id, members[1].id].sort());
  });
});
