// One etcd3 client pinned to ONE endpoint. etcd3 load-balances and retries across hosts by default; for
// per-member truth we want neither, so fault policies are no-ops and every call carries a deadline.
import type { Etcd3 as Etcd3Client } from 'etcd3';
import { decimalToHex, hexToDecimal } from '../ids';
import { MemberStatus } from '../cluster-model';
import { abortError, isAbortError, MemberInfo, throwIfAborted } from '../port';
import { ProtoReader, Wire } from '../datadir/protobuf';
import { loadGrpc } from './grpc-loader';
import { decodeStatusResponse, DecodedStatus } from './status-wire';
import { classifyConnectionError, ConnectionContext, explainConnectionError, FailureKind, TlsMaterial } from './tls';

export class EndpointError extends Error {
  constructor(readonly endpoint: string, message: string, readonly grpcMessage?: string, readonly kind: FailureKind = 'client-config') {
    super(message);
  }
}

export type StatusResult = DecodedStatus;

/** A Status answer with how long it took on an established connection, and the connect time if one was needed. */
export interface TimedStatus {
  result: StatusResult;
  latencyMs: number;
  connectMs: number | null;
}

// The slice of etcd3's connection pool and grpc-js client a raw Status call needs (see rawStatus).
interface GrpcUnaryClient {
  makeUnaryRequest(method: string, serialize: (v: unknown) => Buffer, deserialize: (b: Buffer) => Buffer, argument: unknown,
    metadata: unknown, options: { deadline: number }, callback: (err: Error | null, value?: Buffer) => void): unknown;
  getChannel(): { getConnectivityState(tryToConnect: boolean): number };
}
/** The slice of grpc-js's server-streaming call the Snapshot RPC needs. */
interface GrpcStreamCall {
  on(event: 'data', fn: (b: Buffer) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  on(event: 'end', fn: () => void): void;
  cancel(): void;
}
interface GrpcStreamClient {
  makeServerStreamRequest(method: string, serialize: (v: unknown) => Buffer, deserialize: (b: Buffer) => Buffer, argument: unknown,
    metadata: unknown, options: Record<string, unknown>): GrpcStreamCall;
}

/** One SnapshotResponse message: a piece of the db, what is left, and (3.6+) the server's storage version. */
export interface SnapshotChunk { blob: Buffer; remainingBytes: number; version: string | null }

interface RawConnectionPool {
  withConnection<T>(service: string, fn: (c: { client: GrpcUnaryClient; metadata: unknown }) => Promise<T>): Promise<T>;
}
/** grpc-js connectivityState.READY: the channel has a live transport, so a call pays no handshake. */
const CHANNEL_READY = 2;

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

/** An active alarm and the member that raised it. Any NOSPACE/CORRUPT makes every endpoint unhealthy, as in etcdctl. */
export interface Alarm {
  memberId: string | null;
  alarm: string;
}

/**
 * Alarms as Status reports them in `errors` (etcd >= 3.4): each active alarm as the text form of its
 * AlarmMember, "memberID:<decimal> alarm:NOSPACE ". Other error strings are not alarms.
 */
export function alarmsFromStatusErrors(errors: readonly string[]): Alarm[] {
  const out: Alarm[] = [];
  for (const e of errors) {
    const alarm = /\balarm:\s*"?([A-Z_]+)"?/.exec(e)?.[1];
    if (!alarm || alarm === 'NONE') continue;
    const member = /\bmemberID:\s*(\d+)/.exec(e)?.[1];
    out.push({ memberId: member ? decimalToHex(member) : null, alarm });
  }
  return out;
}

/** Validates a client URL before any connection attempt, so garbage input gets a plain answer. */
export function validateEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EndpointError(endpoint, `"${endpoint}" is not a URL (expected e.g. https://127.0.0.1:2379)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new EndpointError(endpoint, `"${endpoint}" must start with https:// or http://`);
  }
  if (!url.hostname) throw new EndpointError(endpoint, `"${endpoint}" has no host`);
  if ((url.pathname && url.pathname !== '/') || url.search) {
    throw new EndpointError(endpoint, `"${endpoint}" must be scheme://host:port with no path`);
  }
  return url;
}


type CallOptions = import('@grpc/grpc-js').CallOptions;
type Interceptor = import('@grpc/grpc-js').Interceptor;

/** gRPC call options whose interceptor cancels the call on the wire when `signal` aborts (CANCELLED = 1). */
function cancelledBy(signal: AbortSignal | undefined): CallOptions {
  if (!signal) return {};
  return {
    interceptors: [((options: Parameters<Interceptor>[0], next: Parameters<Interceptor>[1]) => {
      const call = next(options);
      signal.addEventListener('abort', () => call.cancelWithStatus(1, 'cancelled: the operation ended'), { once: true });
      return call;
    }) as unknown as Interceptor],
  };
}

const toNumber = (v: string | number | undefined | null): number => (v === undefined || v === null || v === '' ? 0 : Number(v));

export class EndpointClient {
  private readonly client: Etcd3Client;
  readonly url: URL;
  private readonly context: ConnectionContext;

  constructor(readonly endpoint: string, tls: TlsMaterial | undefined, readonly timeoutMs: number) {
    this.url = validateEndpoint(endpoint);
    this.context = { caGiven: Boolean(tls?.rootCertificate), scheme: this.url.protocol };
    const { Etcd3, noop } = loadGrpc();
    const host = `${tls && this.url.protocol === 'http:' ? 'https:' : this.url.protocol}//${this.url.host}`;
    this.client = new Etcd3({
      hosts: host,
      credentials: tls?.rootCertificate || tls?.certChain
        ? { rootCertificate: tls.rootCertificate ?? (undefined as unknown as Buffer), privateKey: tls.privateKey, certChain: tls.certChain }
        : undefined,
      faultHandling: { global: noop, host: () => noop },
      defaultCallOptions: () => ({ deadline: Date.now() + timeoutMs }),
      grpcOptions: {
        // Fail fast instead of queueing calls while a dead member's channel backs off.
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1000,
      },
    });
  }

  /**
   * Runs a call with a hard timer as well as the gRPC deadline: a stopped peer must never hang us. With a
   * signal, the call is not sent once it is aborted, and a pending one is cancelled on the wire.
   */
  private async call<T>(what: string, fn: (options: CallOptions) => Promise<T>, signal?: AbortSignal, timeoutMs = this.timeoutMs): Promise<T> {
    throwIfAborted(signal);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    // One controller per call, so the long-lived operation signal carries one listener per pending call only.
    const thisCall = signal ? new AbortController() : undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EndpointError(this.endpoint, `${what}: no answer within ${timeoutMs} ms`, undefined, 'unreachable')), timeoutMs + 250);
      if (signal) { onAbort = () => { thisCall?.abort(); reject(abortError(signal)); }; signal.addEventListener('abort', onAbort, { once: true }); }
    });
    try {
      return await Promise.race([fn(cancelledBy(thisCall?.signal)), timeout]);
    } catch (err) {
      if (err instanceof EndpointError || isAbortError(err)) throw err;
      const raw = (err as Error).message ?? String(err);
      throw new EndpointError(this.endpoint, `${what}: ${explainConnectionError(raw, this.context)}`, raw, classifyConnectionError(raw, this.context));
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * One Status call, sent through etcd3's own channel for this endpoint but decoded from the raw bytes (see
   * status-wire.ts). `warm` says whether the channel already had a live connection before the call.
   */
  private rawStatus(signal?: AbortSignal): Promise<{ result: StatusResult; ms: number; warm: boolean }> {
    const pool = (this.client as unknown as { pool: RawConnectionPool }).pool;
    return this.call('status', (o) => pool.withConnection('Maintenance', ({ client, metadata }) => new Promise((resolve, reject) => {
      const warm = client.getChannel().getConnectivityState(false) === CHANNEL_READY;
      const started = performance.now();
      client.makeUnaryRequest('/etcdserverpb.Maintenance/Status', () => Buffer.alloc(0), (b) => b, {}, metadata,
        { ...o, deadline: Date.now() + this.timeoutMs }, (err, value) => {
          const ms = round1(performance.now() - started);
          if (err) { reject(err); return; }
          try {
            resolve({ result: decodeStatusResponse(value ?? Buffer.alloc(0), `Status from ${this.endpoint}`), ms, warm });
          } catch (decodeErr) {
            reject(new EndpointError(this.endpoint, `status: unreadable answer: ${(decodeErr as Error).message}`, undefined, 'server'));
          }
        });
    })), signal);
  }

  async status(signal?: AbortSignal): Promise<StatusResult> {
    return (await this.rawStatus(signal)).result;
  }

  /**
   * Status with its round trip on a warm connection. When the channel had to connect (first refresh, or after
   * the connection dropped), that first call's time is the connect time and a second call gives the latency.
   */
  async timedStatus(): Promise<TimedStatus> {
    const first = await this.rawStatus();
    if (first.warm) return { result: first.result, latencyMs: first.ms, connectMs: null };
    const again = await this.rawStatus();
    return { result: again.result, latencyMs: again.ms, connectMs: first.ms };
  }

  /**
   * The read half of etcdctl's `endpoint health`: a linearizable get of key "health", which only succeeds
   * through a working quorum (permission denied still counts: the request went through raft).
   */
  async linearizableRead(): Promise<void> {
    await this.call('health read', async () => {
      try {
        await this.client.get('health').exec();
      } catch (err) {
        if (!/permission denied/i.test((err as Error).message)) throw err;
      }
    });
  }

  /**
   * The Alarm RPC, for an explicit alarms command only: even a plain list is a raft proposal (one entry per
   * call), so monitoring reads alarms from Status `errors` instead (see alarmsFromStatusErrors).
   */
  async alarms(signal?: AbortSignal): Promise<Alarm[]> {
    const r = await this.call('alarm list', (o) => this.client.maintenance.alarm({ action: 0, memberID: '0', alarm: 0 } as never, o), signal);
    return alarmsOf(r.alarms);
  }

  /** Deactivates one member's alarm (a raft proposal); resolves to the alarms the answer still lists. */
  async disarmAlarm(memberId: string, alarm: 'NOSPACE' | 'CORRUPT', signal?: AbortSignal): Promise<Alarm[]> {
    const r = await this.call(`alarm disarm ${alarm}`, (o) => this.client.maintenance.alarm(
      { action: ALARM_DEACTIVATE, memberID: hexToDecimal(memberId), alarm: ALARM_TYPES[alarm] } as never, o), signal);
    return alarmsOf(r.alarms);
  }

  /**
   * Defragments this member. etcd blocks the member's reads and writes for the whole run, which lasts about
   * as long as copying its db: it gets its own bound (`timeoutMs`), not the per-call one. Cancelling the call
   * does not stop a defragmentation the member already started.
   */
  async defragment(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.call('defragment', (o) => this.client.maintenance.defragment({ ...o, deadline: Date.now() + timeoutMs }), signal, timeoutMs);
  }

  /** Compaction at `revision`, physical: answers once the compacted revisions are gone from the db. */
  async compact(revision: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.call(`compact at ${revision}`, (o) => this.client.kv.compact({ revision: String(revision), physical: true }, { ...o, deadline: Date.now() + timeoutMs }), signal, timeoutMs);
  }

  /** `linearizable` needs etcd >= 3.5 (3.4 ignores it and answers from the member's own state). */
  async memberList(options: { linearizable?: boolean; signal?: AbortSignal } = {}): Promise<{ clusterId: string | null; members: MemberInfo[] }> {
    const r = await this.call('member list', (o) => this.client.cluster.memberList({ linearizable: options.linearizable ?? false }, o), options.signal);
    return { clusterId: decimalToHex(r.header.cluster_id), members: r.members.map(toMemberInfo) };
  }

  async moveLeader(targetId: string, signal?: AbortSignal): Promise<void> {
    await this.call('move leader', (o) => this.client.maintenance.moveLeader({ targetID: hexToDecimal(targetId) }, o), signal);
  }

  async removeMember(memberId: string, signal?: AbortSignal): Promise<MemberInfo[]> {
    const r = await this.call('member remove', (o) => this.client.cluster.memberRemove({ ID: hexToDecimal(memberId) }, o), signal);
    return r.members.map(toMemberInfo);
  }

  async addMember(peerURLs: string[], isLearner: boolean, signal?: AbortSignal): Promise<MemberInfo> {
    const r = await this.call('member add', (o) => this.client.cluster.memberAdd({ peerURLs, isLearner } as never, o), signal);
    return toMemberInfo(r.member);
  }

  async promoteMember(memberId: string, signal?: AbortSignal): Promise<MemberInfo[]> {
    const r = await this.call('member promote', (o) => this.client.cluster.memberPromote({ ID: hexToDecimal(memberId) }, o), signal);
    return r.members.map(toMemberInfo);
  }

  /**
   * The Snapshot RPC: the member's whole db streamed, then etcd's sha256 of it as a last 32-byte piece
   * (remaining 0). `onChunk` sees every message in order. The deadline moves with progress: the stream fails
   * when no message came for `idleMs`; `signal` cancels it on the wire.
   */
  async snapshot(onChunk: (chunk: SnapshotChunk) => void, options: { idleMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    throwIfAborted(options.signal);
    const idleMs = options.idleMs ?? this.timeoutMs;
    const pool = (this.client as unknown as { pool: RawConnectionPool }).pool;
    // The stream's own failure is returned, not thrown, through etcd3's pool: it would recast our errors.
    const failure = await pool.withConnection('Maintenance', ({ client, metadata }) => new Promise<Error | null>((resolve) => {
      const call = (client as unknown as GrpcStreamClient).makeServerStreamRequest('/etcdserverpb.Maintenance/Snapshot',
        () => Buffer.alloc(0), (b) => b, {}, metadata, {});
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (err) call.cancel();
        resolve(err);
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(new EndpointError(this.endpoint, `snapshot: no data for ${idleMs} ms`, undefined, 'unreachable')), idleMs);
      };
      const onAbort = () => finish(abortError(options.signal!));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      arm();
      call.on('data', (b: Buffer) => {
        if (settled) return;
        arm();
        try {
          onChunk(decodeSnapshotResponse(b));
        } catch (err) {
          finish(err instanceof Error ? err : new Error(String(err)));
        }
      });
      call.on('error', (err: Error) => {
        const raw = err.message ?? String(err);
        finish(new EndpointError(this.endpoint, `snapshot: ${explainConnectionError(raw, this.context)}`, raw, classifyConnectionError(raw, this.context)));
      });
      call.on('end', () => finish(null));
    }));
    if (failure) throw failure;
  }

  /** Read-only get of one key (e.g. k3s/apiaddresses); null when absent. */
  async getKey(key: string): Promise<string | null> {
    return this.call(`get ${key}`, () => this.client.get(key).string());
  }

  close(): void {
    this.client.close();
  }
}

/** etcd's AlarmRequest enums (rpc.proto): action DEACTIVATE, alarm types by name. */
const ALARM_DEACTIVATE = 2;
const ALARM_TYPES = { NOSPACE: 1, CORRUPT: 2 } as const;
const ALARM_NAMES: Record<string, string> = { 0: 'NONE', 1: 'NOSPACE', 2: 'CORRUPT' };

function alarmsOf(list: { memberID: string; alarm: unknown }[] | undefined): Alarm[] {
  return (list ?? []).map((a) => ({ memberId: decimalToHex(a.memberID), alarm: ALARM_NAMES[String(a.alarm)] ?? String(a.alarm).toUpperCase() }))
    .filter((a) => a.alarm !== 'NONE');
}

/** SnapshotResponse {header 1, remaining_bytes 2, blob 3, version 4 (3.6+)}, read from the wire. */
function decodeSnapshotResponse(b: Buffer): SnapshotChunk {
  const r = new ProtoReader(b, 'SnapshotResponse');
  const out: SnapshotChunk = { blob: Buffer.alloc(0), remainingBytes: 0, version: null };
  while (r.next()) {
    if (r.field === 2 && r.wire === Wire.Varint) out.remainingBytes = Number(r.u64());
    else if (r.field === 3 && r.wire === Wire.Bytes) { const [s, e] = r.span(); out.blob = b.subarray(s, e); }
    else if (r.field === 4 && r.wire === Wire.Bytes) { const [s, e] = r.span(); out.version = b.toString('utf8', s, e) || null; }
    else r.skip();
  }
  return out;
}

function toMemberInfo(m: { ID: string; name: string; peerURLs: string[]; clientURLs: string[]; isLearner?: boolean }): MemberInfo {
  return {
    id: decimalToHex(m.ID) ?? '',
    name: m.name ?? '',
    peerURLs: m.peerURLs ?? [],
    clientURLs: m.clientURLs ?? [],
    isLearner: Boolean(m.isLearner),
  };
}
