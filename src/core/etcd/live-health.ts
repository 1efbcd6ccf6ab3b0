// One refresh of a cluster's live health: every endpoint asked in parallel (Status + a linearizable read),
// then the member list from one member that answered (falling back to the next). Never pinned to the first
// endpoint, and read-only: no call here is a raft proposal, so an idle cluster's raft index stays put.
import * as https from 'node:https';
import { ClusterHealth, HttpCheck, MemberHealth, quorumOf, StrayEndpoint } from '../cluster-model';
import { sameId } from '../ids';
import { MemberInfo } from '../port';
import { Alarm, alarmsFromStatusErrors, EndpointClient, EndpointError, StatusResult } from './endpoint-client';
import { healthFindings } from './health-findings';
import { httpCheck } from './http-checks';
import { ConnectionProfile, DEFAULT_TIMEOUT_MS } from './profile';
import { FailureKind, loadTls, TlsConfigError, TlsMaterial } from './tls';

interface Probe {
  endpoint: string;
  status: StatusResult | null;
  /** The linearizable read went through (learners refuse it by design; see memberFromProbe). */
  readOk: boolean;
  latencyMs: number | null;
  connectMs: number | null;
  error: string | null;
  /** Who the failure points at, when there was one. */
  failure: FailureKind | null;
  livez?: HttpCheck;
  readyz?: HttpCheck;
}

export interface RefreshOptions {
  /** Also probe members whose client URLs are not among the configured endpoints (default true). */
  probeUnlistedMembers?: boolean;
  /** Ask /livez and /readyz of each member (default true; servers before 3.5.11 read as "absent"). */
  httpChecks?: boolean;
  /** Reuse clients across refreshes (the extension keeps a pool); default: fresh clients, closed after. */
  pool?: EndpointPool;
}

/** Keeps one EndpointClient per endpoint alive across refreshes, so a refresh does not redo TLS handshakes. */
export class EndpointPool {
  private readonly clients = new Map<string, EndpointClient>();
  private tls: TlsMaterial | undefined;
  private tlsLoaded = false;
  /** Keep-alive HTTPS connections for /livez and /readyz. */
  // One socket per member: /readyz follows /livez on the same TLS connection instead of a second handshake.
  readonly httpAgent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  /** The endpoint that last answered a cluster-wide read. */
  preferred: string | null = null;

  constructor(readonly profile: ConnectionProfile) {}

  get timeoutMs(): number {
    return this.profile.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** TLS material, read once; throws TlsConfigError for unreadable TLS files. */
  tlsMaterial(): TlsMaterial | undefined {
    if (!this.tlsLoaded) { this.tls = loadTls(this.profile.tls); this.tlsLoaded = true; }
    return this.tls;
  }

  /** Throws EndpointError for a malformed URL and TlsConfigError for unreadable TLS files. */
  client(endpoint: string): EndpointClient {
    let c = this.clients.get(endpoint);
    if (!c) {
      c = new EndpointClient(endpoint, this.tlsMaterial(), this.timeoutMs);
      this.clients.set(endpoint, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    this.httpAgent.destroy();
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const failureOf = (e: unknown): FailureKind => (e instanceof EndpointError ? e.kind : e instanceof TlsConfigError ? 'client-config' : 'server');

async function probe(pool: EndpointPool, endpoint: string, httpChecks: boolean): Promise<Probe> {
  const result: Probe = { endpoint, status: null, readOk: false, latencyMs: null, connectMs: null, error: null, failure: null };
  let client: EndpointClient;
  try {
    client = pool.client(endpoint);
  } catch (err) {
    result.error = errorText(err);
    result.failure = failureOf(err);
    return result;
  }
  const checks = httpChecks
    ? Promise.all([httpCheck(client.url, '/livez', pool.tlsMaterial(), pool.httpAgent, pool.timeoutMs), httpCheck(client.url, '/readyz', pool.tlsMaterial(), pool.httpAgent, pool.timeoutMs)])
    : Promise.resolve(null);
  const [status, read, http] = await Promise.allSettled([client.timedStatus(), client.linearizableRead(), checks]);
  if (status.status === 'fulfilled') {
    result.status = status.value.result;
    result.latencyMs = status.value.latencyMs;
    result.connectMs = status.value.connectMs;
  }
  result.readOk = read.status === 'fulfilled';
  if (status.status === 'rejected') {
    result.error = errorText(status.reason);
    result.failure = failureOf(status.reason);
  } else if (read.status === 'rejected' && !status.value.result.status.isLearner) {
    result.error = errorText(read.reason);
    result.failure = 'server';
  }
  // Only a server that answered Status says anything true with its HTTP endpoints.
  if (result.status && http.status === 'fulfilled' && http.value) [result.livez, result.readyz] = http.value;
  return result;
}

type MemberList = { clusterId: string | null; members: MemberInfo[] };

/**
 * The member list from ONE member: a first guess asked alongside the probes (so a refresh costs one round
 * trip), else the leader, else any that answered Status; the next one only if that fails. Each attempt has
 * the client's deadline.
 */
async function memberListFromOne(pool: EndpointPool, probes: Probe[], early: { endpoint: string; list: Promise<MemberList | null> } | null): Promise<MemberList | null> {
  // The cluster most answering endpoints belong to: a stray endpoint of another cluster must not supply the list.
  const cluster = majorityClusterId(probes);
  const ours = (clusterId: string | null) => !cluster || !clusterId || sameId(clusterId, cluster);
  const tried = new Set<string>();
  if (early) {
    const list = await early.list;
    if (list && ours(list.clusterId)) { pool.preferred = early.endpoint; return list; }
    tried.add(early.endpoint);
  }
  const answered = probes.filter((p) => p.status && ours(p.status.clusterId) && !tried.has(p.endpoint));
  const leaderVotes = answered.map((p) => p.status!.status.leader);
  const rank = (p: Probe) => (leaderVotes.some((l) => l && sameId(l, p.status!.memberId)) ? 0 : 1);
  const order = [...answered].sort((a, b) => rank(a) - rank(b));
  const seen = new Set<string>(probes.filter((p) => p.status && tried.has(p.endpoint)).map((p) => p.status!.memberId));
  for (const p of order) {
    if (seen.has(p.status!.memberId)) continue; // an alias of a member already asked
    seen.add(p.status!.memberId);
    try {
      const list = await pool.client(p.endpoint).memberList();
      pool.preferred = p.endpoint;
      return list;
    } catch {
      // next member
    }
  }
  return null;
}

async function askList(pool: EndpointPool, endpoint: string): Promise<MemberList | null> {
  try {
    return await pool.client(endpoint).memberList();
  } catch {
    return null;
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
  const httpChecks = options.httpChecks !== false;
  try {
    const endpoints = [...new Set(profile.endpoints)];
    // A first guess asked alongside the probes: last refresh's answerer, else the first endpoint (only a guess:
    // if it fails, the leader or another member that answered is asked next).
    const guess = pool.preferred && endpoints.includes(pool.preferred) ? pool.preferred : endpoints[0];
    const early = guess ? { endpoint: guess, list: askList(pool, guess) } : null;
    const probes = await Promise.all(endpoints.map((e) => probe(pool, e, httpChecks)));
    const list = await memberListFromOne(pool, probes, early);

    // Members not reachable through any configured endpoint still deserve a real answer.
    if (list && options.probeUnlistedMembers !== false) {
      const known = new Set(endpoints.map(normalizeUrl));
      const answered = new Set(probes.map((p) => p.status?.memberId).filter(Boolean));
      const extra = list.members
        .filter((m) => !answered.has(m.id) && m.clientURLs.length > 0 && !m.clientURLs.some((u) => known.has(normalizeUrl(u))))
        .map((m) => m.clientURLs[0]);
      if (extra.length) probes.push(...(await Promise.all(extra.map((e) => probe(pool, e, httpChecks)))));
    }

    const clusterId = list?.clusterId ?? majorityClusterId(probes);
    const alarms = clusterAlarms(probes, clusterId);
    const { members, strays } = assembleMembers(list?.members ?? null, clusterId, probes, alarms);
    const leader = electedLeader(members);
    for (const m of members) m.isLeader = Boolean(leader && sameId(m.id, leader));
    setCatchUp(members);
    const health: ClusterHealth = {
      clusterId, leader, members, quorum: quorumOf(members), findings: [], endpoints,
      connectionProblem: connectionProblem(probes, members), strayEndpoints: strays,
      takenAt: Date.now(), durationMs: Math.round(performance.now() - started),
    };
    health.findings = healthFindings(health, profile, list !== null);
    return health;
  } finally {
    if (!options.pool) pool.close();
  }
}

/**
 * "cannot connect: <reason>" when no endpoint answered and our own settings are why (CA, client cert, scheme,
 * TLS files, URL). Endpoints that simply did not answer are named after it; a cluster that is down is not this.
 */
function connectionProblem(probes: Probe[], members: MemberHealth[]): string | null {
  if (members.some((m) => m.status) || probes.some((p) => p.status)) return null;
  const ours = probes.filter((p) => p.failure === 'client-config');
  if (!ours.length) return null;
  const reasons = [...new Set(ours.map((p) => (p.error ?? '').replace(/^(status|health read): /, '')))];
  const silent = probes.length - ours.length;
  return `cannot connect: ${reasons.join('; ')}${silent ? ` (${silent} other endpoint(s) did not answer at all)` : ''}`;
}

/** Without a member list, the cluster is the one most answering endpoints belong to. */
function majorityClusterId(probes: Probe[]): string | null {
  const votes = new Map<string, number>();
  for (const p of probes) if (p.status?.clusterId) votes.set(p.status.clusterId, (votes.get(p.status.clusterId) ?? 0) + 1);
  return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/** Alarms are replicated through raft: every member's Status carries the cluster's alarms. Deduplicated. */
function clusterAlarms(probes: Probe[], clusterId: string | null): Alarm[] {
  const seen = new Map<string, Alarm>();
  for (const p of probes) {
    if (!p.status || (clusterId && p.status.clusterId && !sameId(p.status.clusterId, clusterId))) continue;
    for (const a of alarmsFromStatusErrors(p.status.status.errors)) seen.set(`${a.memberId}/${a.alarm}`, a);
  }
  return [...seen.values()];
}

function memberFromProbe(p: Probe, info: MemberInfo | undefined, alarms: Alarm[]): MemberHealth {
  const memberId = info?.id ?? p.status?.memberId ?? null;
  const own = alarms.filter((a) => memberId && sameId(a.memberId, memberId)).map((a) => a.alarm);
  const blocking = alarms.filter((a) => a.alarm === 'NOSPACE' || a.alarm === 'CORRUPT');
  const isLearner = info?.isLearner ?? p.status?.status.isLearner ?? false;
  const started = info ? info.name !== '' : p.status !== null;
  // A learner refuses linearizable reads by design: it is healthy when it is started and answers Status.
  const served = p.status !== null && (p.readOk || isLearner);
  const error = p.error ?? (blocking.length ? `alarm active: ${blocking.map((a) => a.alarm).join(', ')}` : null);
  const m: MemberHealth = {
    id: memberId,
    name: info?.name ?? '',
    peerURLs: info?.peerURLs ?? [],
    clientURLs: info?.clientURLs ?? [p.endpoint],
    isLearner,
    started,
    endpoint: p.endpoint,
    healthy: served && started && !blocking.length,
    isLeader: false,
    latencyMs: p.latencyMs,
    connectMs: p.connectMs,
    error,
    status: p.status?.status ?? null,
    alarms: own,
  };
  if (p.livez) m.livez = p.livez;
  if (p.readyz) m.readyz = p.readyz;
  return m;
}

/** Of several endpoints that answered as one member, the one among its client URLs is "its" endpoint. */
function pickOwn(candidates: Probe[], clientURLs: string[]): Probe {
  const own = new Set(clientURLs.map(normalizeUrl));
  return candidates.find((p) => own.has(normalizeUrl(p.endpoint))) ?? candidates[0];
}

/**
 * Joins the probes to members: a probe belongs to the member it answered as (header.member_id, same cluster);
 * a member that did not answer is matched by client URL. Every other endpoint is a stray: an alias of a
 * member already reached, another cluster, an id the member list lacks, or silence that matches no member.
 * Strays are findings about the profile, never members, so they never count as voters.
 */
function assembleMembers(list: MemberInfo[] | null, clusterId: string | null, probes: Probe[], alarms: Alarm[]): { members: MemberHealth[]; strays: StrayEndpoint[] } {
  const used = new Set<Probe>();
  const strays: StrayEndpoint[] = [];
  const sameCluster = (p: Probe) => !clusterId || !p.status!.clusterId || sameId(p.status!.clusterId, clusterId);
  const claim = (candidates: Probe[], clientURLs: string[]): Probe | undefined => {
    if (!candidates.length) return undefined;
    const chosen = pickOwn(candidates, clientURLs);
    for (const p of candidates) {
      used.add(p);
      if (p !== chosen) strays.push({ endpoint: p.endpoint, kind: 'alias', memberId: p.status!.memberId, clusterId: p.status!.clusterId, aliasOf: chosen.endpoint, error: null });
    }
    return chosen;
  };

  const members: MemberHealth[] = [];
  if (list) {
    for (const info of list) {
      const answered = probes.filter((x) => !used.has(x) && x.status && sameCluster(x) && sameId(x.status.memberId, info.id));
      let p = claim(answered, info.clientURLs);
      if (!p) {
        p = probes.find((x) => !used.has(x) && !x.status && info.clientURLs.some((u) => normalizeUrl(u) === normalizeUrl(x.endpoint)));
        if (p) used.add(p);
      }
      if (p) { members.push(memberFromProbe(p, info, alarms)); continue; }
      members.push({
        id: info.id, name: info.name, peerURLs: info.peerURLs, clientURLs: info.clientURLs, isLearner: info.isLearner,
        started: info.name !== '', endpoint: null, healthy: false, isLeader: false, latencyMs: null, connectMs: null,
        error: info.name === '' ? 'not started yet (added but never joined)' : 'not reachable through any configured endpoint',
        status: null, alarms: [],
      });
    }
  } else {
    // No member list: the members are those that answered, once each.
    for (const p of probes) {
      if (used.has(p) || !p.status || !sameCluster(p)) continue;
      const chosen = claim(probes.filter((x) => !used.has(x) && x.status && sameCluster(x) && sameId(x.status.memberId, p.status!.memberId)), []);
      if (chosen) members.push(memberFromProbe(chosen, undefined, alarms));
    }
  }
  for (const p of probes) {
    if (used.has(p)) continue;
    const s = p.status;
    strays.push({
      endpoint: p.endpoint,
      kind: !s ? 'unreachable' : sameCluster(p) ? 'not-a-member' : 'other-cluster',
      memberId: s?.memberId ?? null, clusterId: s?.clusterId ?? null, aliasOf: null, error: p.error,
    });
  }
  return { members, strays };
}

/** A learner's progress: its applied index against the leader's committed index, as etcd's promote check does. */
function setCatchUp(members: MemberHealth[]): void {
  const leaderIndex = members.find((m) => m.isLeader)?.status?.raftIndex;
  for (const m of members) {
    if (!m.isLearner) continue;
    m.catchUpPercent = m.status && leaderIndex ? Math.min(100, Math.floor((m.status.appliedIndex / leaderIndex) * 100)) : null;
  }
}

/** The leader most members that answered agree on. */
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
