// One etcd3 client pinned to ONE endpoint. etcd3 load-balances and retries across hosts by default; for
// per-member truth we want neither, so fault policies are no-ops and every call carries a deadline.
import type { Etcd3 as Etcd3Client } from 'etcd3';
import { decimalToHex, hexToDecimal } from '../ids';
import { MemberStatus } from '../cluster-model';
import { abortError, isAbortError, MemberInfo, throwIfAborted } from '../port';
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
  private async call<T>(what: string, fn: (options: CallOptions) => Promise<T>, signal?: AbortSignal): Promise<T> {
    throwIfAborted(signal);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    // One controller per call, so the long-lived operation signal carries one listener per pending call only.
    const thisCall = signal ? new AbortController() : undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EndpointError(this.endpoint, `${what}: no answer within ${this.timeoutMs} ms`, undefined, 'unreachable')), this.timeoutMs + 250);
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
  async alarms(): Promise<Alarm[]> {
    const r = await this.call('alarm list', () => this.client.maintenance.alarm({ action: 0, memberID: '0', alarm: 0 } as never));
    return (r.alarms ?? []).map((a) => ({ memberId: decimalToHex(a.memberID), alarm: String(a.alarm) }))
      .filter((a) => a.alarm !== 'NONE' && a.alarm !== '0');
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

  /** Read-only get of one key (e.g. k3s/apiaddresses); null when absent. */
  async getKey(key: string): Promise<string | null> {
    return this.call(`get ${key}`, () => this.client.get(key).string());
  }

  close(): void {
    this.client.close();
  }
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
