// Which member a save streams from, and the inspect panel's HTML: pure functions, so tested without etcd or VS Code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterHealth, MemberHealth, quorumOf } from '../../../src/core/cluster-model';
import { chooseSourceMember } from '../../../src/core/snapshot/save';
import { bufferReader } from '../../../src/core/snapshot/page-graph';
import { snapshotStatusOf } from '../../../src/core/snapshot/status';
import { snapshotReportHtml } from '../../../src/extension/panels/snapshot-report';

function member(name: string, applied: number, opts: Partial<MemberHealth> = {}): MemberHealth {
  return {
    id: `${name}00`, name, peerURLs: [], clientURLs: [`https://${name}:2379`], isLearner: false, started: true, endpoint: `https://${name}:2379`,
    healthy: true, isLeader: false, latencyMs: 1, error: null, alarms: [],
    status: { leader: 'a100', raftTerm: 2, raftIndex: 1000, appliedIndex: applied, dbSize: 1, dbSizeInUse: 1, version: '3.6.0', isLearner: false, errors: [] },
    ...opts,
  };
}

function health(members: MemberHealth[]): ClusterHealth {
  return { clusterId: 'c', leader: members.find((m) => m.isLeader)?.id ?? null, members, quorum: quorumOf(members), findings: [], endpoints: [], takenAt: 0, durationMs: 0 };
}

describe('snapshot source member', () => {
  it('a caught-up follower before the leader, the most applied first', () => {
    const c = chooseSourceMember(health([member('a1', 1000, { isLeader: true }), member('b1', 990), member('c1', 998)]), 100);
    assert.equal(c.member?.name, 'c1');
    assert.equal(c.member?.role, 'follower');
    assert.match(c.why, /c1 \(follower\): healthy, applied index 998, 2 entries behind the leader's commit index 1000/);
  });

  it('the leader when no follower is caught up, and it says so', () => {
    const c = chooseSourceMember(health([member('a1', 1000, { isLeader: true }), member('b1', 10), member('c1', 5, { healthy: false })]), 100);
    assert.equal(c.member?.name, 'a1');
    assert.match(c.why, /no follower was healthy and caught up/);
  });

  it('no leader or no quorum: none, with the reason', () => {
    const down = (n: string) => member(n, 1000, { healthy: false, status: null });
    const c = chooseSourceMember(health([member('a1', 1000), down('b1'), down('c1')]), 100);
    assert.equal(c.member, null);
    assert.match(c.why, /no quorum/);
  });
});

describe('snapshot report panel', () => {
  it('escapes everything that came from the file', () => {
    const s = snapshotStatusOf(bufferReader(Buffer.alloc(100)), '/tmp/<script>alert(1)</script>.db');
    const html = snapshotReportHtml(s);
    assert.ok(!html.includes('<script>'));
    assert.match(html, /&lt;script&gt;/);
    assert.match(html, /DAMAGED/);
  });
});
