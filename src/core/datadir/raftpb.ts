// Decoders for the protobuf messages in etcd's WAL and snap files (field numbers as in etcd's walpb,
// snappb, etcdserverpb.Metadata and raft's raftpb). Ids come out as lower-case hex, like the rest of the
// product; indexes and terms as numbers.
import { ProtoReader, Wire } from './protobuf';

export interface ConfState {
  voters: string[];
  learners: string[];
  votersOutgoing: string[];
  learnersNext: string[];
  autoLeave: boolean;
}

/** A snapshot marker in the WAL; etcd 3.7 starts from the newest committed one and its conf state. */
export interface WalSnapshot { index: number; term: number; confState?: ConfState }

export interface HardState { term: number; vote: string | null; commit: number }

export const EntryType = { Normal: 0, ConfChange: 1, ConfChangeV2: 2 } as const;

export type ConfChangeKind = 'add' | 'remove' | 'update' | 'add-learner';
const CONF_CHANGE_KINDS: ConfChangeKind[] = ['add', 'remove', 'update', 'add-learner'];

export interface ConfChangeMember {
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface ConfChange {
  index: number;
  term: number;
  /** 1 = ConfChange (etcd 3.4/3.5), 2 = ConfChangeV2 (joint consensus). */
  version: 1 | 2;
  changes: { kind: ConfChangeKind; nodeId: string | null }[];
  /** The member etcd put in the context (v1 add/update): name, URLs, learner flag. */
  member: ConfChangeMember | null;
}

/** uint64 to hex, null for zero (etcd's "none"). */
export function idHex(n: bigint): string | null {
  return n === 0n ? null : n.toString(16);
}

export interface RawRecord { type: number; crc: number; dataStart: number; dataEnd: number }

/** walpb.Record {type int64 = 1, crc uint32 = 2, data bytes = 3}. Data is returned as a span of `buf`. */
export function decodeRecord(buf: Uint8Array, file: string, fileOffset: number, end: number): RawRecord {
  const r = new ProtoReader(buf, file, fileOffset, 0, end);
  const rec: RawRecord = { type: 0, crc: 0, dataStart: 0, dataEnd: 0 };
  while (r.next()) {
    switch (r.field) {
      case 1: r.expect(Wire.Varint); rec.type = Number(BigInt.asIntN(64, r.u64())); break;
      case 2: r.expect(Wire.Varint); rec.crc = Number(r.u64() & 0xffffffffn); break;
      case 3: { r.expect(Wire.Bytes); const [s, e] = r.span(); rec.dataStart = s; rec.dataEnd = e; break; }
      default: r.skip();
    }
  }
  return rec;
}

/** etcdserverpb.Metadata {NodeID = 1, ClusterID = 2}. */
export function decodeMetadata(buf: Uint8Array, file: string, offset: number): { memberId: string | null; clusterId: string | null } {
  const r = new ProtoReader(buf, file, offset);
  let node = 0n; let cluster = 0n;
  while (r.next()) {
    if (r.field === 1) { r.expect(Wire.Varint); node = r.u64(); } else if (r.field === 2) { r.expect(Wire.Varint); cluster = r.u64(); } else r.skip();
  }
  return { memberId: idHex(node), clusterId: idHex(cluster) };
}

export function decodeHardState(buf: Uint8Array, file: string, offset: number): HardState {
  const r = new ProtoReader(buf, file, offset);
  const hs: HardState = { term: 0, vote: null, commit: 0 };
  while (r.next()) {
    switch (r.field) {
      case 1: r.expect(Wire.Varint); hs.term = r.uint(); break;
      case 2: r.expect(Wire.Varint); hs.vote = idHex(r.u64()); break;
      case 3: r.expect(Wire.Varint); hs.commit = r.uint(); break;
      default: r.skip();
    }
  }
  return hs;
}

export function decodeConfState(buf: Uint8Array, file: string, offset: number, start = 0, end = buf.length): ConfState {
  const r = new ProtoReader(buf, file, offset, start, end);
  const lists: bigint[][] = [[], [], [], []];
  let autoLeave = false;
  while (r.next()) {
    if (r.field >= 1 && r.field <= 4) r.packedU64(lists[r.field - 1]);
    else if (r.field === 5) { r.expect(Wire.Varint); autoLeave = r.bool(); } else r.skip();
  }
  const hex = (l: bigint[]) => l.map((n) => n.toString(16));
  return { voters: hex(lists[0]), learners: hex(lists[1]), votersOutgoing: hex(lists[2]), learnersNext: hex(lists[3]), autoLeave };
}

/** walpb.Snapshot {index = 1, term = 2, conf_state = 3 (3.5+)}; confState only when the record has one. */
export function decodeWalSnapshot(buf: Uint8Array, file: string, offset: number): WalSnapshot {
  const r = new ProtoReader(buf, file, offset);
  const s: WalSnapshot = { index: 0, term: 0 };
  while (r.next()) {
    if (r.field === 1) { r.expect(Wire.Varint); s.index = r.uint(); } else if (r.field === 2) { r.expect(Wire.Varint); s.term = r.uint(); } else if (r.field === 3) {
      r.expect(Wire.Bytes);
      const [cs, ce] = r.span();
      s.confState = decodeConfState(buf, file, offset, cs, ce);
    } else r.skip();
  }
  return s;
}

export interface EntryHeader { type: number; term: number; index: number; dataStart: number; dataEnd: number }

/** raftpb.Entry {Type = 1, Term = 2, Index = 3, Data = 4}; the data stays a span of `buf`. */
export function decodeEntry(buf: Uint8Array, file: string, offset: number): EntryHeader {
  const r = new ProtoReader(buf, file, offset);
  const e: EntryHeader = { type: 0, term: 0, index: 0, dataStart: 0, dataEnd: 0 };
  while (r.next()) {
    switch (r.field) {
      case 1: r.expect(Wire.Varint); e.type = r.uint(); break;
      case 2: r.expect(Wire.Varint); e.term = r.uint(); break;
      case 3: r.expect(Wire.Varint); e.index = r.uint(); break;
      case 4: { r.expect(Wire.Bytes); const [s, en] = r.span(); e.dataStart = s; e.dataEnd = en; break; }
      default: r.skip();
    }
  }
  return e;
}

function kindOf(n: number): ConfChangeKind | null {
  return CONF_CHANGE_KINDS[n] ?? null;
}

/** The JSON member etcd puts in a conf change's context. Ids in it exceed 2^53, so they are not used. */
export function parseMemberContext(bytes: Uint8Array): ConfChangeMember | null {
  if (bytes.length === 0) return null;
  try {
    const v = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as Record<string, unknown>;
    if (!v || typeof v !== 'object') return null;
    const strings = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
    return {
      name: typeof v.name === 'string' ? v.name : '',
      peerURLs: strings(v.peerURLs),
      clientURLs: strings(v.clientURLs),
      isLearner: v.isLearner === true,
    };
  } catch {
    return null;
  }
}

/** raftpb.ConfChange {id = 1, type = 2, node_id = 3, context = 4}. */
export function decodeConfChangeV1(buf: Uint8Array, file: string, offset: number, index: number, term: number): ConfChange {
  const r = new ProtoReader(buf, file, offset);
  let kind = 0; let node = 0n; let ctx: Uint8Array = new Uint8Array(0);
  while (r.next()) {
    switch (r.field) {
      case 2: r.expect(Wire.Varint); kind = r.uint(); break;
      case 3: r.expect(Wire.Varint); node = r.u64(); break;
      case 4: r.expect(Wire.Bytes); ctx = r.bytes(); break;
      default: r.skip();
    }
  }
  const k = kindOf(kind);
  return { index, term, version: 1, changes: k ? [{ kind: k, nodeId: idHex(node) }] : [], member: parseMemberContext(ctx) };
}

/** raftpb.ConfChangeV2 {transition = 1, changes = 2 [{type = 1, node_id = 2}], context = 3}. */
export function decodeConfChangeV2(buf: Uint8Array, file: string, offset: number, index: number, term: number): ConfChange {
  const r = new ProtoReader(buf, file, offset);
  const changes: ConfChange['changes'] = [];
  let ctx: Uint8Array = new Uint8Array(0);
  while (r.next()) {
    if (r.field === 2) {
      r.expect(Wire.Bytes);
      const [s, e] = r.span();
      const c = new ProtoReader(buf, file, offset, s, e);
      let kind = 0; let node = 0n;
      while (c.next()) {
        if (c.field === 1) { c.expect(Wire.Varint); kind = c.uint(); } else if (c.field === 2) { c.expect(Wire.Varint); node = c.u64(); } else c.skip();
      }
      const k = kindOf(kind);
      if (k) changes.push({ kind: k, nodeId: idHex(node) });
    } else if (r.field === 3) {
      r.expect(Wire.Bytes); ctx = r.bytes();
    } else r.skip();
  }
  return { index, term, version: 2, changes, member: parseMemberContext(ctx) };
}

/** raftpb.Snapshot {data = 1, metadata = 2 {conf_state = 1, index = 2, term = 3}}. */
export function decodeRaftSnapshot(buf: Uint8Array, file: string, offset: number): { index: number; term: number; confState: ConfState; dataBytes: number } {
  const r = new ProtoReader(buf, file, offset);
  const out = { index: 0, term: 0, confState: decodeConfState(new Uint8Array(0), file, offset), dataBytes: 0 };
  while (r.next()) {
    if (r.field === 1) { r.expect(Wire.Bytes); out.dataBytes = r.bytes().length; } else if (r.field === 2) {
      r.expect(Wire.Bytes);
      const [s, e] = r.span();
      const m = new ProtoReader(buf, file, offset, s, e);
      while (m.next()) {
        if (m.field === 1) { m.expect(Wire.Bytes); const [cs, ce] = m.span(); out.confState = decodeConfState(buf, file, offset, cs, ce); } else if (m.field === 2) { m.expect(Wire.Varint); out.index = m.uint(); } else if (m.field === 3) { m.expect(Wire.Varint); out.term = m.uint(); } else m.skip();
      }
    } else r.skip();
  }
  return out;
}
