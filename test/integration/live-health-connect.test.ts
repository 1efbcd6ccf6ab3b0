// Our own connection mistakes on real etcd: a wrong or missing CA, no client certificate, http:// against TLS,
// an unreadable TLS file. Each is one "cannot connect: <reason>" for the cluster, with no member rows and no
// quorum claim; a cluster that is simply not listening is "no endpoint answered", not a connection problem.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClusterHealth, quorumJudged } from '../../src/core/cluster-model';
import { refreshCluster } from '../../src/core/etcd/live-health';
import { ConnectionProfile } from '../../src/core/etcd/profile';
import type { ClusterEntry } from '../../src/extension/cluster-registry';
import { statusText } from '../../src/extension/status-text';
import { EtcdTestCluster, freePort } from '../harness/etcd-cluster';

const entryOf = (health: ClusterHealth): ClusterEntry => ({ key: 'etcd:test', label: 'test', port: null, profile: null, simulated: false, health, error: null, refreshing: false, controlPlane: null });

function assertCannotConnect(h: ClusterHealth, reason: RegExp): void {
  assert.match(h.connectionProblem ?? '', /^cannot connect: /);
  assert.match(h.connectionProblem!, reason);
  assert.equal(h.members.length, 0, 'no member rows: nothing is known about them');
  assert.equal(quorumJudged(h), false);
  assert.deepEqual(h.findings.map((f) => f.code), ['cannot-connect'], 'said once, for the cluster; no quorum-lost');
  assert.equal(h.findings[0].subject, 'test');
  // The status bar: a connection problem (warning), not red quorum loss.
  assert.deepEqual(statusText(entryOf(h)), { text: '$(debug-disconnect) etcd: cannot connect', severity: 'warning' });
}

describe('live health: client-side mistakes vs. a cluster that is down (real etcd)', () => {
  let cluster: EtcdTestCluster;
  let profile: ConnectionProfile;
  let scratch: string;

  before(async () => {
    cluster = await EtcdTestCluster.start({ members: 3 });
    profile = { name: 'test', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 1500 };
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-connect-'));
  });
  after(async () => { await cluster?.close(); fs.rmSync(scratch, { recursive: true, force: true }); });

  it('a CA that signed nothing here: certificate verify failure', async () => {
    assertCannotConnect(await refreshCluster({ ...profile, tls: { ...cluster.tls, caFile: cluster.pki.foreignCa } }),
      /TLS: the server certificate does not verify against the given CA/);
  });

  it('no CA at all: says the system CAs were used and to give etcd\'s CA', async () => {
    assertCannotConnect(await refreshCluster({ ...profile, tls: { certFile: cluster.tls.certFile, keyFile: cluster.tls.keyFile } }),
      /does not verify against the system CAs \(no --cacert given/);
  });

  it('no client certificate: the server refuses the handshake', async () => {
    assertCannotConnect(await refreshCluster({ ...profile, tls: { caFile: cluster.tls.caFile } }),
      /TLS: the server refused our client certificate/);
  });

  it('http:// against a TLS server: the server drops the plaintext connection', async () => {
    assertCannotConnect(await refreshCluster({ ...profile, endpoints: cluster.endpoints.map((e) => e.replace('https:', 'http:')), tls: undefined }),
      /dropped a plaintext \(http:\/\/\) connection: it probably serves TLS/);
  });

  it('https:// against a plaintext etcd: the server does not speak TLS there', async () => {
    const [client, peer] = [await freePort(), await freePort()];
    const url = (p: number) => `http://127.0.0.1:${p}`;
    const plain = spawn('etcd', ['--name', 'plain', '--data-dir', path.join(scratch, 'plain.etcd'), '--listen-client-urls', url(client),
      '--advertise-client-urls', url(client), '--listen-peer-urls', url(peer), '--initial-advertise-peer-urls', url(peer),
      '--initial-cluster', `plain=${url(peer)}`, '--log-level', 'error'], { stdio: 'ignore' });
    try {
      await cluster.waitUntil(async () => (await refreshCluster({ name: 'plain', endpoints: [url(client)], timeoutMs: 1000 })).leader !== null, 15000, 'the plaintext etcd');
      assertCannotConnect(await refreshCluster({ ...profile, endpoints: [`https://127.0.0.1:${client}`] }), /the server does not speak TLS there/);
    } finally {
      plain.kill('SIGKILL');
    }
  });

  it('an unreadable TLS file: names the file and why', async () => {
    // A directory where a file should be cannot be read, even as root.
    assertCannotConnect(await refreshCluster({ ...profile, tls: { ...cluster.tls, certFile: scratch } }),
      new RegExp(`cannot read certificate file ${scratch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('nothing listening on any endpoint: "no endpoint answered", no connection problem, no quorum claim', async () => {
    const dead = [`https://127.0.0.1:${await freePort()}`, `https://127.0.0.1:${await freePort()}`];
    const h = await refreshCluster({ ...profile, endpoints: dead });
    assert.equal(h.connectionProblem, null);
    assert.equal(quorumJudged(h), false);
    assert.equal(h.members.length, 0);
    assert.deepEqual(h.findings.map((f) => f.code), ['no-endpoint-answered']);
    assert.match(h.findings[0].message, /None of the 2 configured endpoint\(s\) answered \(status: connection refused.*\)\. Nothing is known about quorum\./);
    assert.deepEqual(statusText(entryOf(h)), { text: '$(error) etcd: no member answers', severity: 'error' });
  });

  it('one member down and the others fine: a member problem, judged against quorum', async () => {
    await cluster.kill(2);
    await cluster.waitUntil(async () => (await refreshCluster(profile)).leader !== null, 15000, 'a leader');
    const h = await refreshCluster(profile);
    assert.equal(h.connectionProblem, null);
    assert.equal(quorumJudged(h), true);
    assert.deepEqual(h.quorum, { voters: 3, healthy: 2, needed: 2, ok: true });
    assert.match(h.members.find((m) => m.name === 'm3')!.error!, /connection refused/);
    assert.match(statusText(entryOf(h)).text, /^\$\(warning\) etcd 2\/3 · leader m[12]$/);
  });
});
