// An alarm finding's tree row carries the member that raised it, so "Disarm Alarm" can be offered on it;
// other finding rows carry nothing. Rows are built from a real healthFindings run over a hand-built view.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ClusterHealth, MemberHealth, quorumOf } from '../../../src/core/cluster-model';
import { healthFindings } from '../../../src/core/etcd/health-findings';
import type { ClusterEntry } from '../../../src/extension/cluster-registry';
import { findingRows } from '../../../src/extension/tree/rows';

const member = (id: string, alarms: string[]): MemberHealth => ({
  id, name: `m${id}`, peerURLs: [], clientURLs: [`https://127.0.0.1:${2380 + Number(id)}`], isLearner: false, started: true,
  endpoint: `https://127.0.0.1:${2380 + Number(id)}`, healthy: false, isLeader: id === '1', latencyMs: 1, error: 'alarm active: NOSPACE', alarms,
  status: { leader: '1', raftTerm: 2, raftIndex: 10, appliedIndex: 10, dbSize: 1024, dbSizeInUse: 1024, version: '3.6.16', isLearner: false, errors: [] },
});

it('the NOSPACE finding row names its member; other rows have no alarm', () => {
  const members = [member('1', []), member('2', ['NOSPACE']), member('3', [])];
  const h: ClusterHealth = { clusterId: 'c', leader: '1', members, quorum: quorumOf(members), findings: [], endpoints: members.map((m) => m.endpoint!), takenAt: 0, durationMs: 0 };
  h.findings = healthFindings(h, { name: 'p', endpoints: h.endpoints }, true);
  const entry: ClusterEntry = { key: 'etcd:t', label: 't', port: null, profile: null, simulated: false, health: h, error: null, refreshing: false, controlPlane: null };
  const rows = findingRows(entry);
  const alarmRows = rows.filter((r) => r.kind === 'message' && r.alarm);
  assert.equal(alarmRows.length, 1);
  const row = alarmRows[0] as Extract<(typeof rows)[number], { kind: 'message' }>;
  assert.deepEqual({ memberId: row.alarm!.memberId, alarm: row.alarm!.alarm }, { memberId: '2', alarm: 'NOSPACE' });
  assert.ok(rows.length > 1, 'other findings (quorum lost) are rows too');
});
