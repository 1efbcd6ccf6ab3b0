// Pure logic behind live health (no etcd): decoding Status from its wire bytes, reading alarms from Status
// errors, telling our own connection mistakes from a member that is down, and the quota finding's quota.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterHealth, MemberHealth, quorumJudged, quorumOf } from '../../../src/core/cluster-model';
import { alarmsFromStatusErrors } from '../../../src/core/etcd/endpoint-client';
import { healthFindings } from '../../../src/core/etcd/health-findings';
import { decodeStatusResponse } from '../../../src/core/etcd/status-wire';
import { classifyConnectionError, explainConnectionError } from '../../../src/core/etcd/tls';

const varint = (n: bigint): number[] => {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do { let b = Number(v & 0x7fn); v >>= 7n; if (v) b |= 0x80; out.push(b); } while (v);
  return out;
};
const vfield = (f: number, n: bigint | number) => [...varint(BigInt(f * 8)), ...varint(BigInt(n))];
const bfield = (f: number, bytes: number[] | string) => {
  const b = typeof bytes === 'string' ? [...Buffer.from(bytes)] : bytes;
  return [...varint(BigInt(f * 8 + 2)), ...varint(BigInt(b.length)), ...b];
};

const MEMBER = 0x8211f1d0f64f3269n;
const CLUSTER = 0xcdf818194e3a8c32n;

function statusBytes(extra: number[] = []): Buffer {
  return Buffer.from([
    ...bfield(1, [...vfield(1, CLUSTER), ...vfield(2, MEMBER), ...vfield(3, 7), ...vfield(4, 3)]),
    ...bfield(2, '3.6.16'), ...vfield(3, 24576), ...vfield(4, MEMBER), ...vfield(5, 42), ...vfield(6, 3), ...vfield(7, 41),
    ...bfield(8, `memberID:${MEMBER} alarm:NOSPACE `), ...vfield(9, 16384), ...vfield(10, 1), ...extra,
  ]);
}

describe('Status from the wire', () => {
  it('decodes every field up to 3.4\'s, ids as hex', () => {
    const d = decodeStatusResponse(statusBytes(), 'Status from x');
    assert.equal(d.memberId, MEMBER.toString(16));
    assert.equal(d.clusterId, CLUSTER.toString(16));
    assert.deepEqual(d.status, {
      leader: MEMBER.toString(16), raftTerm: 3, raftIndex: 42, appliedIndex: 41, dbSize: 24576, dbSizeInUse: 16384,
      version: '3.6.16', isLearner: true, errors: [`memberID:${MEMBER} alarm:NOSPACE `], revision: 7,
    });
  });

  it('reads 3.6\'s storageVersion, dbSizeQuota and downgradeInfo, and skips fields it does not know', () => {
    const d = decodeStatusResponse(statusBytes([
      ...bfield(11, '3.6.0'), ...vfield(12, 8n * 1024n ** 3n), ...bfield(13, [...vfield(1, 1), ...bfield(2, '3.5.0')]), ...vfield(99, 5),
    ]), 'Status from x');
    assert.equal(d.status.storageVersion, '3.6.0');
    assert.equal(d.status.dbSizeQuota, 8 * 1024 ** 3);
    assert.deepEqual(d.status.downgradeInfo, { enabled: true, targetVersion: '3.5.0' });
  });

  it('turns truncated or mistyped bytes into one clear error naming the source', () => {
    const full = statusBytes();
    for (const bad of [full.subarray(0, 5), full.subarray(0, full.length - 3), Buffer.from([...vfield(2, 1)])]) {
      assert.throws(() => decodeStatusResponse(bad, 'Status from https://h:2379'), (e: Error) => /^Status from https:\/\/h:2379/.test(e.message) && !(e instanceof RangeError));
    }
  });
});

describe('alarms from Status errors', () => {
  it('reads member and alarm from the text etcd puts in errors; ignores other errors', () => {
    assert.deepEqual(alarmsFromStatusErrors([`memberID:${MEMBER} alarm:NOSPACE `, 'memberID:1 alarm:CORRUPT', 'some other problem']), [
      { memberId: MEMBER.toString(16), alarm: 'NOSPACE' }, { memberId: '1', alarm: 'CORRUPT' },
    ]);
    assert.deepEqual(alarmsFromStatusErrors([]), []);
  });
});

describe('who a connection failure points at', () => {
  // Raw texts as grpc-js reported them against real etcd 3.4 and 3.6.
  const verify = '14 UNAVAILABLE: No connection established. Last error: Error: unable to verify the first certificate. Resolution note: ';
  const badCert = '14 UNAVAILABLE: No connection established. Last error: 80FC642C927F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42\n (2026-12-02T06:12:30.760Z). Resolution note: ';
  const dropped = '14 UNAVAILABLE: No connection established. Last error: Failed to connect (2026-12-02T06:12:30.852Z). Resolution note: ';
  const refused = '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ';

  it('certificate verification and handshake failures are ours', () => {
    assert.equal(classifyConnectionError(verify, { caGiven: true, scheme: 'https:' }), 'client-config');
    assert.equal(classifyConnectionError(badCert, { caGiven: true, scheme: 'https:' }), 'client-config');
    assert.match(explainConnectionError(verify, { caGiven: false, scheme: 'https:' }), /system CAs \(no --cacert given/);
    assert.match(explainConnectionError(verify, { caGiven: true, scheme: 'https:' }), /does not verify against the given CA/);
  });

  it('https:// against a plaintext port is ours, and says so', () => {
    const raw = '14 UNAVAILABLE: No connection established. Last error: C0B7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:355:';
    assert.equal(classifyConnectionError(raw, { caGiven: true, scheme: 'https:' }), 'client-config');
    assert.match(explainConnectionError(raw, { caGiven: true, scheme: 'https:' }), /does not speak TLS there/);
    // What grpc-js said against a real plaintext etcd 3.4.
    assert.equal(classifyConnectionError('Client network socket disconnected before secure TLS connection was established', { caGiven: true, scheme: 'https:' }), 'client-config');
  });

  it('a dropped connection is ours on http:// (plaintext against TLS), a member problem on https://', () => {
    assert.equal(classifyConnectionError(dropped, { caGiven: false, scheme: 'http:' }), 'client-config');
    assert.equal(classifyConnectionError('read ECONNRESET', { caGiven: false, scheme: 'http:' }), 'client-config');
    assert.equal(classifyConnectionError(dropped, { caGiven: true, scheme: 'https:' }), 'unreachable');
    assert.equal(classifyConnectionError('read ECONNRESET', { caGiven: true, scheme: 'https:' }), 'unreachable');
  });

  it('refused and deadline are a member that is down; an etcd error is the server\'s answer', () => {
    assert.equal(classifyConnectionError(refused), 'unreachable');
    assert.equal(classifyConnectionError('4 DEADLINE_EXCEEDED: Deadline exceeded'), 'unreachable');
    assert.equal(classifyConnectionError('etcdserver: rpc not supported for learner'), 'server');
  });
});

function member(over: Partial<MemberHealth>): MemberHealth {
  return {
    id: '1', name: 'm1', peerURLs: [], clientURLs: ['https://127.0.0.1:2379'], isLearner: false, started: true, endpoint: 'https://127.0.0.1:2379',
    healthy: true, isLeader: true, latencyMs: 1, error: null, alarms: [],
    status: { leader: '1', raftTerm: 2, raftIndex: 10, appliedIndex: 10, dbSize: 900 * 1024 ** 2, dbSizeInUse: 1, version: '3.6.16', isLearner: false, errors: [] },
    ...over,
  };
}
function health(members: MemberHealth[], over: Partial<ClusterHealth> = {}): ClusterHealth {
  return { clusterId: 'c', leader: '1', members, quorum: quorumOf(members), findings: [], endpoints: ['https://127.0.0.1:2379'], takenAt: 0, durationMs: 0, ...over };
}

describe('quota finding and quorum judgement', () => {
  it('uses the quota the member reports (3.6+), else the profile\'s, else etcd\'s 2 GiB default', () => {
    const reported = member({ status: { ...member({}).status!, dbSizeQuota: 1024 ** 3 } });
    const f1 = healthFindings(health([reported]), { name: 'p', endpoints: [] }, true).find((f) => f.code === 'db-near-quota');
    assert.equal(f1?.severity, 'warning');
    assert.match(f1!.message, /88 % of its 1\.0 GB quota \(as the member reports it\)/);
    const f2 = healthFindings(health([member({})]), { name: 'p', endpoints: [], quotaBackendBytes: 920 * 1024 ** 2 }, true).find((f) => f.code === 'db-near-quota');
    assert.equal(f2?.severity, 'error');
    assert.match(f2!.message, /as configured in the profile/);
    assert.equal(healthFindings(health([member({})]), { name: 'p', endpoints: [] }, true).find((f) => f.code === 'db-near-quota'), undefined);
    // The reported quota wins over the profile's.
    const f3 = healthFindings(health([reported]), { name: 'p', endpoints: [], quotaBackendBytes: 8 * 1024 ** 3 }, true).find((f) => f.code === 'db-near-quota');
    assert.match(f3!.message, /as the member reports it/);
  });

  it('judges quorum only when a member was reached', () => {
    assert.equal(quorumJudged(health([member({})])), true);
    assert.equal(quorumJudged(health([])), false);
    assert.equal(quorumJudged(health([member({ status: null, healthy: false })])), false);
    assert.equal(quorumJudged(health([member({})], { connectionProblem: 'cannot connect: x' })), false);
  });
});
