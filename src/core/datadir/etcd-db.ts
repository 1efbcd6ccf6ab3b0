// etcd's view of membership in its bbolt backend (member/snap/db): the buckets `members`,
// `members_removed`, `cluster`, `meta` and `alarm`, read page by page. The key space (`key` bucket) is
// never touched, so the cost does not grow with the db size.
import { BoltLimits, BoltReader, DEFAULT_LIMITS } from './bbolt';
import { ByteSource, openFile } from './byte-source';
import { asDataDirError, DataDirError } from './errors';
import { ProtoReader, Wire } from './protobuf';

export interface DbMember {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface DbContents {
  file: string;
  size: number;
  pageSize: number;
  txid: string;
  /** Present only when the bucket exists (etcd creates it on first start). */
  members: DbMember[] | null;
  removedMembers: string[];
  clusterVersion: string | null;
  /** Raft index of the last entry applied to this backend; null when the db has no meta bucket yet. */
  consistentIndex: number | null;
  /** Raft term stored by etcd 3.5+; null for 3.4. */
  term: number | null;
  /** `meta/storageVersion`, written by etcd 3.6+ (e.g. "3.6.0"); null before. */
  storageVersion: string | null;
  /** `meta/confState` (3.5+): raft's voters and learners as this backend last applied them, hex ids. */
  confState: { voters: string[]; learners: string[] } | null;
  alarms: { memberId: string; alarm: 'NOSPACE' | 'CORRUPT' | string }[];
  /** Entries that could not be understood (bad JSON, bad key), in words; the rest was read. */
  problems: string[];
  bytesRead: number;
  pagesRead: number;
}

export const ETCD_BUCKETS = ['members', 'members_removed', 'cluster', 'meta', 'alarm'];
const HEX_ID = /^[0-9a-f]{1,16}$/;

function u64be(v: Buffer): number | null {
  if (v.length !== 8) return null;
  const n = v.readBigUInt64BE(0);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : null;
}

function parseMember(id: string, value: Buffer, problems: string[]): DbMember | null {
  try {
    const v = JSON.parse(value.toString('utf8')) as Record<string, unknown>;
    if (!v || typeof v !== 'object') throw new Error('not an object');
    const strings = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
    return {
      id, name: typeof v.name === 'string' ? v.name : '', peerURLs: strings(v.peerURLs),
      clientURLs: strings(v.clientURLs), isLearner: v.isLearner === true,
    };
  } catch (err) {
    problems.push(`members/${id}: value is not the JSON etcd writes (${(err as Error).message})`);
    return null;
  }
}

function parseAlarm(key: Buffer, file: string): { memberId: string; alarm: string } {
  // The key is an etcdserverpb.AlarmMember {MemberID = 1, Alarm = 2}; the value is empty.
  const r = new ProtoReader(key, file);
  let member = 0n; let alarm = 0;
  while (r.next()) {
    if (r.field === 1) { r.expect(Wire.Varint); member = r.u64(); } else if (r.field === 2) { r.expect(Wire.Varint); alarm = r.uint(); } else r.skip();
  }
  const names: Record<number, string> = { 0: 'NONE', 1: 'NOSPACE', 2: 'CORRUPT' };
  return { memberId: member.toString(16), alarm: names[alarm] ?? `alarm ${alarm}` };
}

/**
 * raftpb.ConfState as JSON (`{"voters":[...],"learners":[...]}`). Ids are uint64 beyond 2^53, so they are
 * taken from the digits, not from JSON.parse.
 */
function parseConfStateJson(value: Buffer, problems: string[]): { voters: string[]; learners: string[] } | null {
  const text = value.toString('utf8');
  const list = (field: string): string[] | null => {
    const m = new RegExp(`"${field}"\\s*:\\s*(null|\\[([0-9,\\s]*)\\])`).exec(text);
    if (!m) return null;
    return (m[2] ?? '').split(',').map((x) => x.trim()).filter(Boolean).map((d) => BigInt(d).toString(16));
  };
  const voters = list('voters');
  if (voters === null) {
    problems.push(`meta/confState: not the JSON etcd writes (${text.slice(0, 60)})`);
    return null;
  }
  return { voters, learners: list('learners') ?? [] };
}

/** Reads the membership buckets through an opened bbolt reader. Throws DataDirError for bad bytes. */
function contentsFrom(bolt: BoltReader, source: ByteSource): DbContents {
  const buckets = bolt.buckets(ETCD_BUCKETS);
  const problems: string[] = [];
  const membersRaw = buckets.get('members');
  const members = membersRaw === null || membersRaw === undefined ? null : membersRaw.flatMap((e) => {
    const id = e.key.toString('latin1');
    if (!HEX_ID.test(id)) { problems.push(`members: key "${id.slice(0, 40)}" is not a hex member id`); return []; }
    const m = parseMember(id, e.value, problems);
    return m ? [m] : [];
  });
  const removedMembers = (buckets.get('members_removed') ?? []).map((e) => e.key.toString('latin1')).filter((id) => {
    if (HEX_ID.test(id)) return true;
    problems.push(`members_removed: key "${id.slice(0, 40)}" is not a hex member id`);
    return false;
  });
  const cluster = buckets.get('cluster') ?? [];
  const version = cluster.find((e) => e.key.toString('latin1') === 'clusterVersion');
  const meta = buckets.get('meta') ?? null;
  const metaValue = (k: string) => meta?.find((e) => e.key.toString('latin1') === k)?.value;
  const ci = metaValue('consistent_index');
  const term = metaValue('term');
  const storageVersion = metaValue('storageVersion');
  const confStateRaw = metaValue('confState');
  const alarms: DbContents['alarms'] = [];
  for (const e of buckets.get('alarm') ?? []) {
    try {
      alarms.push(parseAlarm(e.key, source.name));
    } catch (err) {
      problems.push(`alarm: ${(err as Error).message}`);
    }
  }
  return {
    file: source.name, size: source.size, pageSize: bolt.meta.pageSize, txid: bolt.meta.txid.toString(),
    members, removedMembers, clusterVersion: version ? version.value.toString('utf8') : null,
    consistentIndex: ci ? u64be(ci) : null, term: term ? u64be(term) : null, alarms, problems,
    storageVersion: storageVersion ? storageVersion.toString('utf8').slice(0, 64) : null,
    confState: confStateRaw ? parseConfStateJson(confStateRaw, problems) : null,
    bytesRead: 0, pagesRead: bolt.pagesRead,
  };
}

/** Reads the membership buckets from any byte source (tests use in-memory bytes). */
export function readEtcdDbSource(source: ByteSource, limits: BoltLimits = DEFAULT_LIMITS): DbContents {
  try {
    return contentsFrom(new BoltReader(source, limits), source);
  } catch (err) {
    throw asDataDirError(err, source.name);
  }
}

/**
 * Reads a db file without locking it. A running etcd may commit while we read and reuse the pages we are
 * following; when a read fails and the newest meta page has moved on, the read starts again from it.
 */
export function readEtcdDb(file: string, limits: BoltLimits = DEFAULT_LIMITS): DbContents {
  const source = openFile(file);
  try {
    let lastError: DataDirError | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const bolt = (() => { try { return new BoltReader(source, limits); } catch (err) { throw asDataDirError(err, file); } })();
      try {
        const db = contentsFrom(bolt, source);
        db.bytesRead = source.bytesRead;
        return db;
      } catch (err) {
        lastError = asDataDirError(err, file);
        let txidNow: bigint;
        try { txidNow = new BoltReader(source, limits).meta.txid; } catch { break; }
        if (txidNow === bolt.meta.txid) break;
      }
    }
    throw lastError!;
  } finally {
    source.close();
  }
}
