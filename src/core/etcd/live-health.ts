// One refresh of a cluster's live health: every endpoint asked in parallel (status + health), the member
// list from whichever member answers first. Never pinned to the first endpoint.
import { ClusterHealth, MemberHealth, quorumOf } from '../cluster-model';
import { sameId } from '../ids';
import { MemberInfo } from '../port';
import { Alarm, EndpointClient, EndpointError, StatusResult } from './endpoint-client';
import { healthFindings } from './health-findings';
import { ConnectionProfile, DEFAULT_TIMEOUT_MS } from './profile';
import { loadTls, TlsMaterial } from './tls';

interface Probe {
  endpoint: string;
  client: EndpointClient | null;
  status: StatusResult | null;
  /** The linearizable read went through. */
  readOk: boolean;
  latencyMs: number | null;
  error: string | null;
}

export interface RefreshOptions {
  /** Also probe members whose client URLs are not among the configured endpoints (default true). */
  probeUnlistedMembers?: boolean;
  /** Reuse clients across refreshes (the extension keeps a pool); default: fresh clients, closed after. */
  pool?: EndpointPool;
}

/** Keeps one EndpointClient per endpoint alive across refreshes, so a refresh does not redo TLS handshakes. */
export class EndpointPool {
  private readonly clients = new Map<string, EndpointClient>();
  private tls: TlsMaterial | undefined;
  private tlsLoaded = false;
  /** The endpoint that last answered a cluster-wide read. */
  preferred: string | null = null;

  constructor(readonly profile: ConnectionProfile) {}

  get timeoutMs(): number {
    return this.profile.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Throws EndpointError for a malformed URL and TlsConfigError for unreadable TLS files. */
  client(endpoint: string): EndpointClient {
    let c = this.clients.get(endpoint);
    if (!c) {
      if (!this.tlsLoaded) { this.tls = loadTls(this.profile.tls); this.tlsLoaded = true; }
      c = new EndpointClient(endpoint, this.tls, this.timeoutMs);
      this.clients.set(endpoint, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

async function probe(pool: EndpointPool, endpoint: string): Promise<Probe> {
  const result: Probe = { endpoint, client: null, status: null, readOk: false, latencyMs: null, error: null };
  try {
    result.client = pool.client(endpoint);
  } catch (err) {
    result.error = (err as Error).message;
    return result;
  }
  const started = performance.now();
  const [status, read] = await Promise.allSettled([
    result.client.status().then((s) => { result.latencyMs = Math.round((performance.now() - started) * 10) / 10; return s; }),
    result.client.linearizableRead(),
  ]);
  if (status.status === 'fulfilled') result.status = status.value;
  result.readOk = read.status === 'fulfilled';
  const failure = status.status === 'rejected' ? status.reason : read.status === 'rejected' ? read.reason : null;
  if (failure) result.error = failure instanceof EndpointError ? failure.message : String((failure as Error)?.message ?? failure);
  return result;
}

/**
 * Cluster-wide reads (member list, alarms) need one answer, not N: ask the endpoint that answered last time
 * and fall back to all the others at once if it cannot. Never pinned to the first configured endpoint.
 */
async function fromAnyMember<T>(pool: EndpointPool, endpoints: string[], ask: (c: EndpointClient) => Promise<T>): Promise<{ value: T; endpoint: string } | null> {
  const tryAll = (list: string[]) => Promise.any(list.map(async (e) => ({ value: await ask(pool.client(e)), endpoint: e })));
  const preferred = pool.preferred && endpoints.includes(pool.preferred) ? pool.preferred : null;
  try {
    const r = await tryAll(preferred ? [preferred] : endpoints);
    pool.preferred = r.endpoint;
    return r;
  } catch {
    if (!preferred) return null;
    try {
      const r = await tryAll(endpoints.filter((e) => e !== preferred));
      pool.preferred = r.endpoint;
      return r;
    } catch {
      return null;
    }
  }
}

function normalizeUrl(u: string): string {
  try {
    const url = new URL(u);
    return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return u;
  }
}

export async function refreshCluster(profile: ConnectionProfile, options: RefreshOptions = {}): Promise<ClusterHealth> {
  const started = performance.now();
  const pool = options.pool ?? new EndpointPool(profile);
  try {
    const endpoints = [...new Set(profile.endpoints)];
    const [probes, listed, alarmed] = await Promise.all([
      Promise.all(endpoints.map((e) => probe(pool, e))),
      fromAnyMember(pool, endpoints, (c) => c.memberList()),
      fromAnyMember(pool, endpoints, (c) => c.alarms()),
    ]);
    const list = listed?.value ?? null;
    const alarms = alarmed?.value ?? [];

    // Members not reachable through any configured endpoint still deserve a real answer.
    if (list && options.probeUnlistedMembers !== false) {
      const known = new Set(endpoints.map(normalizeUrl));
      const answered = new Set(probes.map((p) => p.status?.memberId).filter(Boolean));
      const extra = list.members
        .filter((m) => !answered.has(m.id) && m.clientURLs.length > 0 && !m.clientURLs.some((u) => known.has(normalizeUrl(u))))
        .map((m) => m.clientURLs[0]);
      if (extra.length) probes.push(...(await Promise.all(extra.map((e) => probe(pool, e)))));
    }

    const members = assembleMembers(list?.members ?? null, probes, alarms);
    const leader = electedLeader(members);
    for (const m of members) m.isLeader = Boolean(leader && sameId(m.id, leader));
    const clusterId = list?.clusterId ?? probes.find((p) => p.status?.clusterId)?.status?.clusterId ?? null;
    const health: ClusterHealth = {
      clusterId, leader, members, quorum: quorumOf(members), findings: [], endpoints,
      takenAt: Date.now(), durationMs: Math.round(performance.now() - started),
    };
    health.findings = healthFindings(health, profile, list !== null);
    return health;
  } finally {
    if (!options.pool) pool.close();
  }
}

function memberFromProbe(p: Probe, info: MemberInfo | undefined, clusterAlarms: Alarm[]): MemberHealth {
  const memberId = info?.id ?? p.status?.memberId;
  const alarms = clusterAlarms.filter((a) => memberId && sameId(a.memberId, memberId)).map((a) => a.alarm);
  const anyAlarm = clusterAlarms.some((a) => a.alarm === 'NOSPACE' || a.alarm === 'CORRUPT');
  const error = p.error ?? (anyAlarm ? `alarm active: ${clusterAlarms.map((a) => a.alarm).join(', ')}` : null);
  return {
    id: info?.id ?? p.status?.memberId ?? null,
    name: info?.name ?? '',
    peerURLs: info?.peerURLs ?? [],
    clientURLs: info?.clientURLs ?? [p.endpoint],
    isLearner: info?.isLearner ?? p.status?.status.isLearner ?? false,
    started: info ? info.name !== '' : p.status !== null,
    endpoint: p.endpoint,
    healthy: p.status !== null && p.readOk && !anyAlarm,
    isLeader: false,
    latencyMs: p.latencyMs,
    error,
    status: p.status?.status ?? null,
    alarms,
  };
}

/** Joins the member list with the probes: by responder id when it answered, by client URL when it did not. */
function assembleMembers(list: MemberInfo[] | null, probes: Probe[], alarms: Alarm[]): MemberHealth[] {
  if (!list) return probes.map((p) => memberFromProbe(p, undefined, alarms));
  const used = new Set<Probe>();
  const members = list.map((info) => {
    const p = probes.find((x) => !used.has(x) && x.status && sameId(x.status.memberId, info.id))
      ?? probes.find((x) => !used.has(x) && !x.status && info.clientURLs.some((u) => normalizeUrl(u) === normalizeUrl(x.endpoint)));
    if (p) { used.add(p); return memberFromProbe(p, info, alarms); }
    return {
      id: info.id, name: info.name, peerURLs: info.peerURLs, clientURLs: info.clientURLs, isLearner: info.isLearner,
      started: info.name !== '', endpoint: null, healthy: false, isLeader: false, latencyMs: null,
      error: info.name === '' ? 'not started yet (added but never joined)' : 'not reachable through any configured endpoint',
      status: null, alarms: [],
    } satisfies MemberHealth;
  });
  // Endpoints that answered as some other cluster's member, or not at all and match no member, stay visible.
  for (const p of probes) {
    if (used.has(p)) continue;
    const m = memberFromProbe(p, undefined, alarms);
    if (p.status) { m.healthy = false; m.error = `answered as member ${p.status.memberId}, which is not in this cluster's member list`; }
    members.push(m);
  }
  return members;
}

/** The leader most healthy members agree on; a member's own claim counts only if it answered. */
function electedLeader(members: MemberHealth[]): string | null {
  const votes = new Map<string, number>();
  for (const m of members) {
    const l = m.status?.leader;
    if (l) votes.set(l, (votes.get(l) ?? 0) + 1);
  }
  let best: string | null = null;
  let bestVotes = 0;
  for (const [id, n] of votes) if (n > bestVotes) { best = id; bestVotes = n; }
  return best;
}
