// The add / promote preflight rules and the env, pure over a ClusterHealth: where they go beyond etcd's own
// checks (a voter add with healthy voters short of quorum; any add with a voter down) and where they match
// them (one learner; 90 % readiness); and the findings for members added and never started.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthFindings } from '../../../src/core/etcd/health-findings';
import { memberEnv } from '../../../src/core/ops/member-env';
import { addChecks, promoteChecks, requestProblems } from '../../../src/core/ops/membership-rules';
import { blockingChecks } from '../../../src/core/ops/types';
import { cluster, member } from './cluster-fixture';

const req = (voter = false, name = 'm9', peer = 'https://10.0.0.9:2380') => ({ name, peerURLs: [peer], voter });
const names = (checks: { name: string }[]) => checks.map((c) => c.name);

describe('add rules', () => {
  it('a learner on a healthy cluster passes; a voter on a healthy 3 passes with a zero-tolerance warning', () => {
    const h = cluster([{ leader: true }, {}, {}]);
    assert.deepEqual(blockingChecks(addChecks(h, req())), []);
    const v = addChecks(h, req(true));
    assert.deepEqual(blockingChecks(v), []);
    assert.ok(v.some((c) => c.name === 'fault-tolerance' && c.severity === 'warning'), JSON.stringify(v));
  });

  it('1 -> 2 voter: etcd allows it, the tool refuses (quorum of 2 needs the new member)', () => {
    const v = addChecks(cluster([{ leader: true }]), req(true));
    assert.equal(v.find((c) => c.name === 'strict-reconfig')?.ok, true);
    assert.deepEqual(names(blockingChecks(v)), ['quorum-after']);
  });

  it('a voter down: every add refused (etcd needs the leader connected to all voters)', () => {
    const h = cluster([{ leader: true }, {}, { healthy: false }]);
    assert.ok(names(blockingChecks(addChecks(h, req()))).includes('voters-connected'));
  });

  it('taken name, taken peer URL (even a stale unstarted entry), pending learner', () => {
    const h = cluster([{ leader: true }, {}, {}, { learner: true, started: false }]);
    const b = names(blockingChecks(addChecks(h, req(false, 'm2', 'https://10.0.0.4:2380'))));
    assert.deepEqual(b.sort(), ['name-free', 'no-learner-pending', 'peer-urls-free']);
  });

  it('request problems: bad names and URLs', () => {
    assert.equal(requestProblems(req()).length, 0);
    assert.equal(requestProblems(req(false, 'a,b')).length, 1);
    assert.equal(requestProblems(req(false, 'x', 'ftp://h:1')).length, 1);
    assert.equal(requestProblems(req(false, 'x', 'https://h:2380/path')).length, 1);
  });
});

describe('promote rules', () => {
  it('refuses a voter, an unstarted learner, a learner behind 90 %; passes at 90 %', () => {
    const h = cluster([{ leader: true }, {}, {}, { learner: true, applied: 4400 }, { learner: true, started: false }]);
    assert.ok(names(blockingChecks(promoteChecks(h, member(h, 'm2')))).includes('is-learner'));
    assert.ok(names(blockingChecks(promoteChecks(h, member(h, 'm4')))).includes('learner-ready'));
    assert.ok(names(blockingChecks(promoteChecks(h, h.members[4]))).includes('learner-started'));
    const ready = cluster([{ leader: true }, {}, {}, { learner: true, applied: 4500 }]);
    assert.deepEqual(blockingChecks(promoteChecks(ready, member(ready, 'm4'))), []);
  });
});

describe('member env', () => {
  it('names the new member in the initial cluster, every peer URL of every member', () => {
    const list = [
      { id: 'a1', name: 'm1', peerURLs: ['https://10.0.0.1:2380', 'https://[fd00::1]:2380'], clientURLs: [], isLearner: false },
      { id: 'b2', name: '', peerURLs: ['https://10.0.0.9:2380'], clientURLs: [], isLearner: true },
    ];
    const e = memberEnv(list, 'b2', 'm9', ['https://10.0.0.9:2380']);
    assert.equal(e.env.ETCD_INITIAL_CLUSTER, 'm1=https://10.0.0.1:2380,m1=https://[fd00::1]:2380,m9=https://10.0.0.9:2380');
    assert.deepEqual(e.flags, ['--name=m9', `--initial-cluster=${e.env.ETCD_INITIAL_CLUSTER}`,
      '--initial-advertise-peer-urls=https://10.0.0.9:2380', '--initial-cluster-state=existing']);
  });
});

describe('findings for members added and never started', () => {
  it('an unstarted learner blocks joins; an unstarted voter lowers fault tolerance', () => {
    const h = cluster([{ leader: true }, {}, {}, { started: false }, { learner: true, started: false }]);
    const f = healthFindings(h, { name: 'p', endpoints: h.endpoints, tls: {}, timeoutMs: 1000, origin: 'flags' } as never, true);
    const stale = f.find((x) => x.code === 'stale-unstarted-member');
    assert.ok(stale && /tolerates 0 more failure/.test(stale.message), JSON.stringify(f.map((x) => x.message)));
    assert.ok(f.some((x) => x.code === 'learner-not-started'));
  });
});
