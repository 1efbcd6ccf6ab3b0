// Decodes etcd's StatusResponse from its wire bytes. The etcd3 client's bundled proto stops at field 10
// (isLearner) and drops what 3.6 added (storageVersion, dbSizeQuota, downgradeInfo), so we read it ourselves.
import { decimalToHex } from '../ids';
import { ProtoReader, Wire } from '../datadir/protobuf';
import { MemberStatus } from '../cluster-model';

export interface DecodedStatus {
  memberId: string;
  clusterId: string | null;
  status: MemberStatus;
}

const text = new TextDecoder('utf-8', { fatal: false });

function str(r: ProtoReader): string {
  r.expect(Wire.Bytes);
  return text.decode(r.bytes());
}

function u64(r: ProtoReader): bigint {
  r.expect(Wire.Varint);
  return r.u64();
}

/** int64 sizes that fit a JS number (a db is far below 2^53 bytes). */
function num(r: ProtoReader): number {
  return Number(BigInt.asIntN(64, u64(r)));
}

function header(buf: Uint8Array, where: string, r: ProtoReader): { clusterId: bigint; memberId: bigint; revision: number } {
  const [s, e] = r.span();
  const h = new ProtoReader(buf, where, 0, s, e);
  const out = { clusterId: 0n, memberId: 0n, revision: 0 };
  while (h.next()) {
    if (h.field === 1) out.clusterId = u64(h);
    else if (h.field === 2) out.memberId = u64(h);
    else if (h.field === 3) out.revision = num(h);
    else h.skip();
  }
  return out;
}

function downgrade(buf: Uint8Array, where: string, r: ProtoReader): { enabled: boolean; targetVersion: string } {
  const [s, e] = r.span();
  const d = new ProtoReader(buf, where, 0, s, e);
  const out = { enabled: false, targetVersion: '' };
  while (d.next()) {
    if (d.field === 1) { d.expect(Wire.Varint); out.enabled = d.bool(); }
    else if (d.field === 2) out.targetVersion = str(d);
    else d.skip();
  }
  return out;
}

/** Throws DataDirError('bad-protobuf') on bytes that are not a StatusResponse; `where` names the endpoint. */
export function decodeStatusResponse(buf: Uint8Array, where: string): DecodedStatus {
  const r = new ProtoReader(buf, where);
  let ids = { clusterId: 0n, memberId: 0n, revision: 0 };
  const status: MemberStatus = {
    leader: null, raftTerm: 0, raftIndex: 0, appliedIndex: 0, dbSize: 0, dbSizeInUse: 0, version: '', isLearner: false, errors: [],
  };
  while (r.next()) {
    switch (r.field) {
      case 1: r.expect(Wire.Bytes); ids = header(buf, where, r); break;
      case 2: status.version = str(r); break;
      case 3: status.dbSize = num(r); break;
      case 4: status.leader = decimalToHex(u64(r)); break;
      case 5: status.raftIndex = num(r); break;
      case 6: status.raftTerm = num(r); break;
      case 7: status.appliedIndex = num(r); break;
      case 8: status.errors.push(str(r)); break;
      case 9: status.dbSizeInUse = num(r); break;
      case 10: r.expect(Wire.Varint); status.isLearner = r.bool(); break;
      case 11: status.storageVersion = str(r); break;
      case 12: status.dbSizeQuota = num(r); break;
      case 13: r.expect(Wire.Bytes); status.downgradeInfo = downgrade(buf, where, r); break;
      default: r.skip();
    }
  }
  if (ids.revision > 0) status.revision = ids.revision;
  return { memberId: decimalToHex(ids.memberId) ?? '', clusterId: decimalToHex(ids.clusterId), status };
}
