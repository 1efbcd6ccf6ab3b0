// @etcd-compat: also runs on etcd 3.4, 3.5 and 3.7 (scripts/test.mjs)
// Join-state diagnosis on data dirs made by a real etcd in every state, compared with the live cluster
// through etcdctl's view and through the CLI's own refresh. Every diagnosis must leave the dir untouched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli';
import { CliIo } from '../../src/cli/output';
import { checkApiAddresses } from '../../src/core/datadir/apiaddresses';
import { diagnoseDataDir } from '../../src/core/datadir/diagnose';
import { liveViewFromHealth } from '../../src/core/datadir/live-view';
import { EndpointClient } from '../../src/core/etcd/endpoint-client';
import { refreshCluster } from '../../src/core/etcd/live-health';
import { loadTls } from '../../src/core/etcd/tls';
import { copyDir, DataDirFixtures, hashDir, liveSnapshot, makeDataDirFixtures, makeSnapshottedDataDir, writeValues, startPlainEtcd } from '../harness/datadirs';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { atLeast, etcdBinaries } from '../harness/etcd-version';

let fx: DataDirFixtures;
let snapshotted: string;

function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), interactive: false, ask: async () => '' };
}

function tlsFlags(): string[] {
  const t = fx.cluster.tls;
  return ['--cacert', t.caFile, '--cert', t.certFile, '--key', t.keyFile, '--timeout', '3000'];
}

/** Diagnoses and proves that nothing in the dir changed (bytes, sizes, mtimes). */
function untouched<T>(dir: string, fn: () => T): T {
  const before = hashDir(dir);
  const result = fn();
  assert.equal(hashDir(dir), before, `diagnosis changed ${dir}`);
  return result;
}

describe('diagnose on real etcd data dirs', { timeout: 180000 }, () => {
  before(async () => {
    fx = await makeDataDirFixtures();
    snapshotted = await makeSnapshottedDataDir(path.join(fx.root, 'snapshotted'), { bigValues: 70 });
  });
  after(async () => { await fx?.close(); });

  it('classifies every state against the live view, naming the ids etcdctl reports, writing nothing', () => {
    const expect: [keyof DataDirFixtures['dirs'], string, string | null, string | null][] = [
      ['fresh', 'fresh', null, null],
      ['certsOnly', 'certs-only', null, null],
      ['dbWithoutWal', 'db-without-wal', null, null],
      ['joined', 'joined', fx.ids.joined, fx.live.clusterId],
      ['learner', 'learner', fx.ids.learner, fx.live.clusterId],
      ['removed', 'removed', fx.ids.removed, fx.live.clusterId],
      ['foreign', 'foreign-cluster', fx.ids.foreign, fx.ids.foreignCluster],
      ['corrupt', 'corrupt', fx.ids.joined, fx.live.clusterId],
    ];
    for (const [key, state, memberId, clusterId] of expect) {
      const dir = fx.dirs[key];
      const pkiDir = key === 'certsOnly' ? fx.dirs.certsOnlyPki : null;
      const d = untouched(dir, () => diagnoseDataDir({ dataDir: dir, pkiDir, live: fx.live }));
      assert.equal(d.state, state, `${key}: ${d.findings.map((f) => f.code)}`);
      assert.equal(d.memberId, memberId, key);
      assert.equal(d.clusterId, clusterId, key);
      const stateFinding = d.findings.find((f) => f.code === `state-${state}`);
      assert.ok(stateFinding, `${key} has a state-${state} finding`);
      assert.ok(stateFinding.remediation.length > 30);
      if (['removed', 'foreign-cluster', 'db-without-wal', 'certs-only'].includes(state)) assert.ok(stateFinding.command, `${key} has a command`);
    }
  });

  it('without a live view: what the dir itself proves, and a finding on what could not be checked', () => {
    // A removed member proves its removal itself only when it applied that entry before stopping; when it
    // learned it from its peers' refusal instead (etcd's other path, a matter of timing), its dir still says
    // joined, and the diagnosis must then say it could not check the live cluster.
    const removed = diagnoseDataDir({ dataDir: fx.dirs.removed, liveUnavailableReason: 'no --endpoints given' });
    if (removed.state !== 'removed') {
      assert.equal(removed.state, 'joined', removed.findings.map((x) => x.code).join());
      assert.ok(removed.findings.some((x) => x.code === 'live-view-unavailable'), removed.findings.map((x) => x.code).join());
    }
    assert.equal(diagnoseDataDir({ dataDir: fx.dirs.learner }).state, 'learner');
    const foreign = diagnoseDataDir({ dataDir: fx.dirs.foreign, liveUnavailableReason: 'no --endpoints given' });
    assert.equal(foreign.state, 'joined', 'a lone member of its own cluster looks joined from its own data');
    const f = foreign.findings.find((x) => x.code === 'live-view-unavailable');
    assert.match(f!.message, new RegExp(`could not check that cluster ${fx.ids.foreignCluster}`));
  });

  it('the corrupt WAL still names its member, and the damage by file and byte', () => {
    const d = diagnoseDataDir({ dataDir: fx.dirs.corrupt, live: fx.live });
    const crc = d.findings.find((x) => x.code === 'wal-bad-crc')!;
    assert.match(crc.message, /0000000000000000-0000000000000000\.wal at byte \d+: record CRC mismatch/);
    assert.ok(crc.command?.includes(`etcdctl member remove ${fx.ids.joined}`), crc.command);
  });

  it('CLI with --endpoints asks the live cluster itself: removed, foreign, learner, joined', async () => {
    const endpoints = fx.cluster.members.filter((m) => m.process).map((m) => m.clientUrl).join(',');
    // Exit 1 for an error-level state (removed, another cluster's), 0 for a warning (learner) or none.
    for (const [key, state, exit] of [['removed', 'removed', 1], ['foreign', 'foreign-cluster', 1], ['learner', 'learner', 0], ['joined', 'joined', 0]] as const) {
      const io = captureIo();
      const code = await untouched(fx.dirs[key], () => main(['diagnose', '--data-dir', fx.dirs[key], '--endpoints', endpoints, ...tlsFlags(), '--json'], io));
      assert.equal(code, exit, io.stderr.join('\n'));
      const out = JSON.parse(io.stdout.join('\n'));
      assert.equal(out.state, state, key);
      assert.ok(Array.isArray(out.findings) && out.findings.every((f: { severity: string; code: string; message: string; remediation: string }) => f.severity && f.code && f.message && f.remediation));
      assert.ok(!out.findings.some((f: { code: string }) => f.code === 'live-view-unavailable'), `${key}: the live view was used`);
    }
  });

  it('the live view is the member list only: an endpoint of another cluster among the endpoints is no member', async () => {
    const other = await EtcdTestCluster.start({ members: 1, pki: fx.cluster.pki, tmpRoot: fx.root });
    try {
      const ours = fx.cluster.members.filter((m) => m.process).map((m) => m.clientUrl);
      const health = await refreshCluster({ name: 'mixed', endpoints: [...ours, other.endpoints[0]!], tls: fx.cluster.tls, timeoutMs: 3000 });
      const stranger = health.strayEndpoints?.find((s) => s.endpoint === other.endpoints[0]);
      assert.equal(stranger?.kind, 'other-cluster');
      assert.ok(!health.members.some((m) => m.endpoint === other.endpoints[0]), 'another cluster\'s endpoint is no member row');
      const { live, reason } = liveViewFromHealth(health);
      assert.equal(reason, null);
      const truth = await liveSnapshot(fx.cluster);
      assert.equal(live!.clusterId, truth.clusterId);
      assert.deepEqual(live!.members.map((m) => `${m.id}:${m.isLearner}`).sort(), truth.members.map((m) => `${m.id}:${m.isLearner}`).sort());
    } finally {
      await other.close();
    }
    assert.match(liveViewFromHealth(null).reason!, /not been read yet/);
    const silent = await refreshCluster({ name: 'silent', endpoints: ['https://127.0.0.1:1'], tls: fx.cluster.tls, timeoutMs: 1000 });
    const none = liveViewFromHealth(silent);
    assert.equal(none.live, null);
    assert.match(none.reason!, /^no endpoint answered: /);
  });

  it('CLI with endpoints that do not answer: the data dir alone decides, and the finding says why', async () => {
    const io = captureIo();
    const t = Date.now();
    assert.equal(await main(['diagnose', '--data-dir', fx.dirs.joined, '--endpoints', 'https://127.0.0.1:1', ...tlsFlags(), '--json'], io), 0);
    assert.ok(Date.now() - t < 10000);
    const out = JSON.parse(io.stdout.join('\n'));
    assert.equal(out.state, 'joined', 'an unreachable cluster is not evidence of removal');
    assert.match(out.findings.find((f: { code: string }) => f.code === 'live-view-unavailable').message, /no endpoint answered/);
  });

  it('CLI for k3s/RKE2 also reads <distro>/apiaddresses: absent is transient, a list is reported', async () => {
    const endpoints = fx.cluster.members.filter((m) => m.process).map((m) => m.clientUrl).join(',');
    const run = async (distro: string) => {
      const io = captureIo();
      assert.equal(await main(['diagnose', '--data-dir', fx.dirs.joined, '--distro', distro, '--endpoints', endpoints, ...tlsFlags(), '--json'], io), 0, io.stderr.join('\n'));
      return JSON.parse(io.stdout.join('\n')) as { state: string; findings: { code: string; transient?: boolean; message: string }[] };
    };
    const rke2 = await run('rke2');
    assert.equal(rke2.state, 'joined');
    const notSet = rke2.findings.find((f) => f.code === 'apiaddresses-not-set');
    assert.equal(notSet?.transient, true);
    await fx.cluster.etcdctl(['put', 'k3s/apiaddresses', '["10.0.0.1:6443","10.0.0.2:6443"]'], [fx.cluster.members[0].clientUrl]);
    const k3s = await run('k3s');
    assert.match(k3s.findings.find((f) => f.code === 'apiaddresses-ok')!.message, /10\.0\.0\.1:6443, 10\.0\.0\.2:6443/);
    const kubeadm = await run('kubeadm');
    assert.ok(!kubeadm.findings.some((f) => f.code.startsWith('apiaddresses')));
  });

  it('CLI text output and unusable input: one line, non-zero exit, no stack trace', () => {
    const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8', timeout: 30000 });
    // With the live cluster asked: the removal is certain whether or not m3 applied it itself before it stopped.
    const tls = fx.cluster.tls;
    const ok = cli(['diagnose', '--data-dir', fx.dirs.removed, '--endpoints', fx.cluster.members.filter((m) => m.process).map((m) => m.clientUrl).join(','),
      '--cacert', tls.caFile, '--cert', tls.certFile, '--key', tls.keyFile]);
    assert.equal(ok.status, 1, ok.stderr);
    assert.match(ok.stderr, /^etcd-ops diagnose: removed: 1 error found \(state-removed\)\n$/);
    assert.match(ok.stdout, /: REMOVED\n/);
    assert.match(ok.stdout, /\$ mv /);
    for (const args of [['diagnose', '--data-dir', path.join(fx.root, 'nope')], ['diagnose', '--data-dir', path.join(fx.dirs.joined, 'member', 'snap', 'db')], ['diagnose']]) {
      const r = cli(args);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  it('reads the data dir of a running etcd while it writes', async () => {
    const etcd = await startPlainEtcd(path.join(fx.root, 'running'));
    try {
      let writing = true;
      const load = (async () => { while (writing) await writeValues(etcd.clientUrl, 20, 2048, 4, `/load/${Date.now()}/`); })();
      for (let i = 0; i < 8; i++) {
        const d = diagnoseDataDir({ dataDir: etcd.dataDir });
        assert.equal(d.state, 'joined', d.findings.map((f) => `${f.code}: ${f.message}`).join('\n'));
        await new Promise((r) => setTimeout(r, 50));
      }
      writing = false;
      await load;
    } finally {
      await etcd.stop();
    }
  });

  it('snapshots: starts from the newest snap file, reads a WAL of two 64 MB segments, flags deleted segments and db', () => {
    const d = untouched(snapshotted, () => diagnoseDataDir({ dataDir: snapshotted }));
    assert.equal(d.state, 'joined');
    assert.equal(d.details.walSegments, 2);
    const snaps = fs.readdirSync(path.join(snapshotted, 'member', 'snap')).filter((n) => n.endsWith('.snap')).sort();
    const newest = snaps[snaps.length - 1];
    if (atLeast(etcdBinaries().minor, '3.7')) {
      // 3.7 boots from the newest snapshot record in the WAL; it still writes snap files at the same index.
      assert.equal(d.details.bootSnapshot!.source, 'wal-record');
      assert.equal(d.details.bootSnapshot!.index, parseInt(newest.split('-')[1], 16), `boot ${JSON.stringify(d.details.bootSnapshot)} vs ${newest}`);
    } else {
      assert.equal(d.details.bootSnapshot!.source, 'snap-file');
      assert.equal(path.basename(d.details.bootSnapshot!.file), newest);
    }
    assert.equal(d.details.lastIndex, d.details.hardState!.commit);
    assert.ok(d.details.db!.consistentIndex! >= d.details.bootSnapshot!.index);
    assert.ok(d.details.db!.bytesRead < 64 * 1024, `db read ${d.details.db!.bytesRead} bytes of ${d.details.db!.size}`);

    const pruned = copyDir(snapshotted, path.join(fx.root, 'pruned'));
    fs.rmSync(path.join(pruned, 'member', 'wal', '0000000000000000-0000000000000000.wal'));
    const p = diagnoseDataDir({ dataDir: pruned });
    assert.equal(p.state, 'corrupt');
    assert.ok(p.findings.some((f) => f.code === 'wal-missing-segment'), p.findings.map((f) => f.code).join());

    const noDb = copyDir(snapshotted, path.join(fx.root, 'no-db'));
    fs.rmSync(path.join(noDb, 'member', 'snap', 'db'));
    assert.ok(diagnoseDataDir({ dataDir: noDb }).findings.some((f) => f.code === 'db-missing'));
  });

  it('apiaddresses through the real client: missing is transient, written list is read back', async () => {
    const endpoint = fx.cluster.members[0].clientUrl;
    const client = new EndpointClient(endpoint, loadTls({ caFile: fx.cluster.tls.caFile, certFile: fx.cluster.tls.certFile, keyFile: fx.cluster.tls.keyFile }), 3000);
    try {
      const missing = checkApiAddresses('rke2', await client.getKey('rke2/apiaddresses'));
      assert.equal(missing.findings[0].transient, true);
      await fx.cluster.etcdctl(['put', 'k3s/apiaddresses', '["10.0.0.1:6443","10.0.0.2:6443"]'], [endpoint]);
      const set = checkApiAddresses('k3s', await client.getKey('k3s/apiaddresses'));
      assert.deepEqual(set.addresses, ['10.0.0.1:6443', '10.0.0.2:6443']);
    } finally {
      client.close();
    }
  });
});
