// @etcd-compat: also runs on etcd 3.4, 3.5 and 3.7 (scripts/test.mjs)
// Live health against a real 3-member TLS etcd cluster: healthy, a member killed, a member frozen,
// TLS mistakes and garbage endpoints. Each case checks what an operator would read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { refreshCluster } from '../../src/core/etcd/live-health';
import { ConnectionProfile } from '../../src/core/etcd/profile';
import { sameId } from '../../src/core/ids';
import { EtcdTestCluster } from '../harness/etcd-cluster';

describe('live health (real etcd)', () => {
  let cluster: EtcdTestCluster;
  let profile: ConnectionProfile;

  before(async () => {
    cluster = await EtcdTestCluster.start({ members: 3 });
    profile = { name: 'test', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 1000 };
  });
  after(async () => cluster?.close());

  it('reports every member, one leader agreed with etcdctl, and quorum ok', async () => {
    const h = await refreshCluster(profile);
    assert.equal(h.members.length, 3);
    assert.ok(h.members.every((m) => m.healthy && m.error === null && m.status !== null), JSON.stringify(h.members.map((m) => m.error)));
    assert.deepEqual(h.quorum, { voters: 3, healthy: 3, needed: 2, ok: true });
    const leader = h.members.filter((m) => m.isLeader);
    assert.equal(leader.length, 1);
    assert.equal(leader[0].name, await cluster.leaderName());
    assert.match(h.clusterId ?? '', /^[0-9a-f]+$/);
    for (const m of h.members) {
      assert.match(m.id ?? '', /^[0-9a-f]{1,16}$/);
      assert.ok(m.status!.raftTerm >= 2 && m.status!.raftIndex > 0 && m.status!.dbSize > 0);
      assert.ok(m.latencyMs !== null && m.latencyMs >= 0);
    }
    // etcdctl prints the same member ids (hex) in `member list`.
    const list = await cluster.etcdctl(['member', 'list']);
    for (const m of h.members) assert.ok(list.includes(m.id!), `${m.id} not in etcdctl output ${list}`);
    assert.equal(h.findings.filter((f) => f.severity !== 'info').length, 0, JSON.stringify(h.findings));
  });

  it('flags a profile that names a single endpoint of a multi-member cluster', async () => {
    const h = await refreshCluster({ ...profile, endpoints: [cluster.endpoints[1]] });
    const f = h.findings.find((x) => x.code === 'single-endpoint-config');
    assert.ok(f, 'single-endpoint finding expected');
    for (const url of cluster.endpoints) assert.ok(f!.remediation.includes(url));
    // Members outside the configured endpoints are still probed for real health.
    assert.equal(h.members.filter((m) => m.healthy).length, 3);
    assert.equal(h.findings.filter((x) => x.code === 'member-not-in-endpoints').length, 2);
  });

  it('reports garbage endpoint URLs once, as the connection problem, with no member and no quorum claim', async () => {
    const h = await refreshCluster({ ...profile, endpoints: ['not a url', 'ftp://127.0.0.1:1', 'https://127.0.0.1:1'] });
    assert.equal(h.members.length, 0, 'an endpoint that never answered is no member');
    const strays = h.strayEndpoints ?? [];
    assert.equal(strays.length, 3);
    assert.match(strays[0].error!, /is not a URL/);
    assert.match(strays[1].error!, /must start with https:\/\/ or http:\/\//);
    assert.match(strays[2].error!, /connection refused/);
    assert.match(h.connectionProblem ?? '', /^cannot connect: .*is not a URL.*\(1 other endpoint\(s\) did not answer at all\)/);
    assert.deepEqual(h.findings.map((f) => f.code), ['cannot-connect']);
  });

  it('says the server certificate does not verify with a wrong CA', async () => {
    const h = await refreshCluster({ ...profile, tls: { ...cluster.tls, caFile: cluster.pki.foreignCa } });
    assert.equal(h.members.length, 0);
    assert.match(h.connectionProblem!, /^cannot connect: TLS: the server certificate does not verify against the given CA/);
  });

  it('says the client certificate has expired', async () => {
    const h = await refreshCluster({ ...profile, tls: { ...cluster.tls, certFile: cluster.pki.expiredClientCert, keyFile: cluster.pki.expiredClientKey } });
    assert.match(h.connectionProblem!, /^cannot connect: client certificate .* expired on 2020-02-01/);
    assert.equal(h.findings.length, 1);
  });

  it('says which TLS file is missing', async () => {
    const h = await refreshCluster({ ...profile, tls: { ...cluster.tls, caFile: '/nonexistent/ca.crt' } });
    assert.match(h.connectionProblem!, /^cannot connect: cannot read CA file \/nonexistent\/ca\.crt: no such file$/);
  });

  it('uses an encrypted client key with its passphrase, and says so without or with a wrong one', async () => {
    const encrypted = path.join(cluster.pki.dir, 'client-encrypted.key');
    execFileSync('openssl', ['pkey', '-in', cluster.tls.keyFile, '-aes256', '-passout', 'pass:s3cret', '-out', encrypted]);
    const tls = { ...cluster.tls, keyFile: encrypted };
    const ok = await refreshCluster({ ...profile, tls: { ...tls, keyPassphrase: 's3cret' } });
    assert.equal(ok.members.filter((m) => m.healthy).length, 3);
    const none = await refreshCluster({ ...profile, tls });
    assert.match(none.connectionProblem!, /key file .*client-encrypted\.key is encrypted: its passphrase is needed/);
    const wrong = await refreshCluster({ ...profile, tls: { ...tls, keyPassphrase: 'nope' } });
    assert.match(wrong.connectionProblem!, /wrong passphrase/);
    assert.doesNotMatch(JSON.stringify(ok) + JSON.stringify(wrong), /s3cret|nope/, 'passphrases never appear in results');
  });

  it('returns within its deadline while a member is frozen (SIGSTOP)', async () => {
    // A follower: with the leader frozen the others could not serve a linearizable read until they elect anew.
    const leader = await cluster.leaderName();
    const victim = cluster.members.find((m) => m.name !== leader)!.name;
    cluster.pause(victim);
    try {
      const started = Date.now();
      const h = await refreshCluster(profile);
      const took = Date.now() - started;
      assert.ok(took < profile.timeoutMs! + 1000, `refresh took ${took} ms`);
      const frozen = h.members.find((m) => m.name === victim)!;
      assert.equal(frozen.healthy, false);
      assert.match(frozen.error!, /no answer within/);
      assert.equal(h.members.filter((m) => m.healthy).length, 2);
    } finally {
      cluster.resume(victim);
    }
    await cluster.waitHealthy();
  });

  it('keeps a killed member listed as unhealthy while the others report', async () => {
    await cluster.kill(0);
    // A leader election may be under way if m1 led (the survivors may still name m1 until their election
    // timeout): wait for a refresh in which a survivor leads and both survivors answer.
    let h = await refreshCluster(profile);
    const m1Id = h.members.find((m) => m.name === 'm1')?.id;
    await cluster.waitUntil(async () => {
      h = await refreshCluster(profile);
      return h.leader !== null && !(m1Id && sameId(h.leader, m1Id)) && h.members.filter((m) => m.name !== 'm1' && m.healthy).length === 2;
    }, 20000, 'a leader among the survivors, both answering');
    const dead = h.members.find((m) => m.name === 'm1')!;
    assert.ok(dead, 'killed member stays listed');
    assert.equal(dead.healthy, false);
    assert.match(dead.error!, /connection refused/);
    assert.equal(dead.status, null);
    assert.equal(h.members.filter((m) => m.healthy).length, 2);
    assert.deepEqual(h.quorum, { voters: 3, healthy: 2, needed: 2, ok: true });
    assert.ok(h.findings.some((f) => f.code === 'quorum-at-risk'));
    assert.ok(h.findings.some((f) => f.code === 'member-unhealthy' && f.subject.startsWith('m1')));
  });
});
