// @etcd-compat: also runs on etcd 3.4, 3.5 and 3.7 (scripts/test.mjs)
// `etcd-ops status` as a process against real etcd: JSON shape, table, exit codes, one-line failures.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureBuilt, runCli, tlsFlags } from '../harness/cli';
import { EtcdTestCluster } from '../harness/etcd-cluster';

describe('etcd-ops status (real etcd)', () => {
  let cluster: EtcdTestCluster;
  before(async () => { ensureBuilt(); cluster = await EtcdTestCluster.start({ members: 3 }); });
  after(async () => cluster?.close());

  it('prints the documented JSON shape', async () => {
    const r = await runCli(['status', '--endpoints', cluster.endpoints.join(','), ...tlsFlags(cluster.tls), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = JSON.parse(r.stdout);
    assert.match(out.clusterId, /^[0-9a-f]+$/);
    assert.deepEqual(out.quorum, { voters: 3, healthy: 3, needed: 2, ok: true });
    assert.equal(out.members.length, 3);
    const leaders = out.members.filter((m: { isLeader: boolean }) => m.isLeader);
    assert.equal(leaders.length, 1);
    assert.equal(out.leader, leaders[0].id);
    assert.equal(leaders[0].name, await cluster.leaderName());
    for (const m of out.members) {
      for (const k of ['id', 'name', 'endpoint', 'healthy', 'isLeader', 'isLearner', 'raftTerm', 'raftIndex', 'appliedIndex', 'dbSize', 'latencyMs', 'error']) {
        assert.ok(k in m, `member field ${k}`);
      }
      assert.equal(m.healthy, true);
    }
  });

  it('prints a readable table', async () => {
    const r = await runCli(['status', '--endpoints', cluster.endpoints.join(','), ...tlsFlags(cluster.tls)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ID\s+NAME\s+ENDPOINT\s+HEALTH/);
    assert.match(r.stdout, /quorum 3\/3 healthy, 2 needed: ok/);
    for (const n of ['m1', 'm2', 'm3']) assert.match(r.stdout, new RegExp(`\\b${n}\\b`));
  });

  it('exits non-zero with one line when nothing answers', async () => {
    const r = await runCli(['status', '--endpoints', 'https://127.0.0.1:1', ...tlsFlags(cluster.tls), '--json', '--timeout', '500']);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /no endpoint answered \(status: connection refused/);
  });

  it('says "cannot connect" once for a wrong CA, with no quorum in the JSON and no quorum line in the table', async () => {
    const flags = ['status', '--endpoints', cluster.endpoints.join(','), ...tlsFlags({ ...cluster.tls, caFile: cluster.pki.foreignCa })];
    const json = await runCli([...flags, '--json']);
    assert.equal(json.code, 1);
    assert.equal(json.stderr.trim().split('\n').length, 1, json.stderr);
    assert.match(json.stderr, /^etcd-ops status: cannot connect: TLS: the server certificate does not verify against the given CA/);
    const out = JSON.parse(json.stdout);
    assert.equal(out.quorum, null);
    assert.match(out.connectionProblem, /^cannot connect: /);
    assert.deepEqual(out.members, []);
    assert.deepEqual(out.findings.map((f: { code: string }) => f.code), ['cannot-connect']);
    const text = await runCli(flags);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^cluster unknown · cannot connect: TLS: /);
    assert.doesNotMatch(text.stdout, /quorum|LOST|UNHEALTHY/);
  });

  it('counts an alias endpoint once and prints it as an alias; shows warm latency, connect time and the server\'s newer fields', async () => {
    const alias = cluster.endpoints[1].replace('127.0.0.1', 'localhost');
    const r = await runCli(['status', '--endpoints', [...cluster.endpoints, alias].join(','), ...tlsFlags(cluster.tls), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.quorum, { voters: 3, healthy: 3, needed: 2, ok: true });
    assert.equal(out.members.length, 3);
    assert.deepEqual(out.strayEndpoints.map((x: { endpoint: string; kind: string }) => [x.endpoint, x.kind]), [[alias, 'alias']]);
    for (const m of out.members) {
      // A fresh CLI process connects first: the connect time is reported apart from the warm round trip.
      assert.ok(m.connectMs > 0 && m.latencyMs > 0, JSON.stringify(m));
      const is36 = /^3\.([6-9]|\d\d)\./.test(m.version);
      assert.equal(m.storageVersion !== null, is36, `storageVersion on ${m.version}`);
      assert.equal(m.dbSizeQuota === null ? null : m.dbSizeQuota, is36 ? 2 * 1024 ** 3 : null);
      assert.ok(['ok', 'absent'].includes(m.livez.state) && ['ok', 'absent'].includes(m.readyz.state), JSON.stringify([m.livez, m.readyz]));
    }
    const text = await runCli(['status', '--endpoints', [...cluster.endpoints, alias].join(','), ...tlsFlags(cluster.tls)]);
    assert.match(text.stdout, new RegExp(`endpoint ${alias}: alias of [0-9a-f]+ \\(reached through ${cluster.endpoints[1]}\\)`));
    assert.match(text.stdout, /quorum 3\/3 healthy, 2 needed: ok/);
    assert.match(text.stdout, /LATENCY\s+CONNECT\s+LIVEZ\/READYZ/);
  });

  it('refuses missing --endpoints and bad --timeout with usage errors', async () => {
    const missing = await runCli(['status', '--json'], { env: { ETCDCTL_ENDPOINTS: '' } });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--endpoints is required/);
    const bad = await runCli(['status', '--endpoints', cluster.endpoints[0], '--timeout', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--timeout must be an integer/);
    assert.doesNotMatch(bad.stderr + missing.stderr, /\n\s+at /, 'no stack trace');
  });

  it('refuses an unknown flag, a stray argument and a missing value: exit 2, one line, nothing printed', async () => {
    const conn = ['--endpoints', cluster.endpoints.join(','), ...tlsFlags(cluster.tls)];
    for (const [argv, re] of [
      [['status', ...conn, '--no-such-flag'], /^etcd-ops status: unknown flag --no-such-flag;/],
      [['status', ...conn, '--jsn'], /unknown flag --jsn \(did you mean --json\?\)/],
      [['status', '--insecure-skip-verify', ...conn], /unknown flag --insecure-skip-verify/],
      [['status', ...conn, 'm1'], /unexpected argument "m1": this command takes flags only/],
      [['status', ...conn, '--cacert'], /--cacert needs a value \(--cacert FILE\)/],
      [['status', '--timeout', '--json', ...conn], /--timeout needs a value/],
      [['status', ...conn, '--timeout', '2s'], /--timeout must be an integer >= 1, got "2s"/],
    ] as [string[], RegExp][]) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
  });

  it('reads ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY; flags win over them', async () => {
    const env = { ETCDCTL_ENDPOINTS: cluster.endpoints.join(','), ETCDCTL_CACERT: cluster.tls.caFile, ETCDCTL_CERT: cluster.tls.certFile, ETCDCTL_KEY: cluster.tls.keyFile };
    const fromEnv = await runCli(['status', '--json'], { env });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.deepEqual(JSON.parse(fromEnv.stdout).quorum, { voters: 3, healthy: 3, needed: 2, ok: true });
    const flagged = await runCli(['status', '--json', '--endpoints', cluster.endpoints[1], ...tlsFlags(cluster.tls)],
      { env: { ...env, ETCDCTL_ENDPOINTS: 'https://127.0.0.1:1', ETCDCTL_CACERT: cluster.pki.foreignCa } });
    assert.equal(flagged.code, 0, flagged.stderr);
    assert.ok(JSON.parse(flagged.stdout).members.some((m: { endpoint: string; healthy: boolean }) => m.endpoint === cluster.endpoints[1] && m.healthy));
  });

  it('keeps TLS verification on: a CA that did not sign the servers gets no answer', async () => {
    const r = await runCli(['status', '--endpoints', cluster.endpoints.join(','), '--cacert', cluster.pki.foreignCa,
      '--cert', cluster.tls.certFile, '--key', cluster.tls.keyFile, '--json', '--timeout', '1000']);
    assert.equal(r.code, 1, r.stdout);
    assert.ok(JSON.parse(r.stdout).members.every((m: { healthy: boolean }) => !m.healthy));
    const help = await runCli(['status', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /TLS server verification is always on; no flag turns it off/);
    assert.doesNotMatch(help.stdout, /insecure/);
  });

  it('reports a dead member 1 quickly while the others answer', async () => {
    await cluster.kill(0);
    await cluster.waitUntil(async () => (await cluster.leaderName()) !== null, 10000, 'leader');
    const r = await runCli(['status', '--endpoints', cluster.endpoints.join(','), ...tlsFlags(cluster.tls), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const m1 = out.members.find((m: { name: string }) => m.name === 'm1');
    assert.equal(m1.healthy, false);
    assert.match(m1.error, /connection refused/);
    assert.equal(out.quorum.healthy, 2);
    assert.ok(r.ms < 3000, `took ${r.ms} ms`);
  });
});
