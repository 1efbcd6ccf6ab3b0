// Starts a real etcd cluster with TLS on 127.0.0.1 for tests and benchmarks, on the etcd that
// ETCD_OPS_ETCD_VERSION selects (./etcd-version). Every member gets fresh ports and its own data dir under a
// temp folder removed by close().
import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeTestPki, TestPki } from './certs';
import { EtcdBinaries, etcdBinaries } from './etcd-version';

export interface HarnessMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  /** Where the member listens for peers when its advertised peer URL names another host (see ClusterOptions.peerHosts). */
  peerListenUrl?: string;
  dataDir: string;
  process: ChildProcess | null;
  /** Last lines etcd printed, for failure messages. */
  log: string[];
  /** The network namespace the process runs in, when not this one. */
  netns?: string;
}

export interface ClusterOptions {
  members?: number;
  heartbeatMs?: number;
  electionMs?: number;
  /** Reuse a PKI (benchmarks make one per run). */
  pki?: TestPki;
  tmpRoot?: string;
  /** The etcd to run; default: the one ETCD_OPS_ETCD_VERSION selects. */
  binaries?: EtcdBinaries;
  /** Where member `index` (0-based) runs; default: 127.0.0.1 for both URLs, in this network namespace. */
  placement?: (index: number) => MemberPlacement;
  /** --quota-backend-bytes of every member (default 2 GiB); a small one lets a test raise NOSPACE. */
  quotaBackendBytes?: number;
  /** More server flags for every member, after the harness's own. */
  extraArgs?: string[];
  /**
   * Per member name: the host its peer URL advertises (it still listens on 127.0.0.1). With `hostsFiles` a test
   * can send one member's dials to that host through a relay, while the others dial it directly.
   */
  peerHosts?: Record<string, string>;
  /** Per member name: the /etc/hosts that member alone sees (its own mount namespace; needs root). */
  hostsFiles?: Record<string, string>;
  /** Runs once every member's URLs are chosen, before any starts (a relay a member dials at boot listens by then). */
  beforeSpawn?: (members: HarnessMember[]) => Promise<void>;
}

/** A member's addresses and, when set, the network namespace its process runs in (see ./netns). */
export interface MemberPlacement {
  netns?: string;
  peerHost?: string;
  clientHost?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** One row of `etcdctl endpoint status`, ids in hex. */
export interface CtlEndpointStatus {
  endpoint: string;
  memberId: string;
  leaderId: string;
  isLearner: boolean;
}

/**
 * `etcdctl endpoint status -w fields`: the one format that is the same on 3.4-3.7 (the simple format gained
 * columns in 3.6) and keeps uint64 ids exact (JSON numbers lose them). One block per endpoint.
 */
export function parseEndpointStatusFields(out: string): CtlEndpointStatus[] {
  return out.split(/\n\s*\n/).map((block) => {
    const field = (k: string) => new RegExp(`^"${k}" : (.*)$`, 'm').exec(block)?.[1]?.trim();
    const hex = (v: string | undefined) => (v && /^\d+$/.test(v) ? BigInt(v).toString(16) : '');
    return {
      endpoint: JSON.parse(field('Endpoint') ?? '""') as string,
      memberId: hex(field('MemberID')), leaderId: hex(field('Leader')), isLearner: field('IsLearner') === 'true',
    };
  }).filter((s) => s.endpoint && s.memberId);
}

/** The caller's ETCDCTL_API must not reach a 3.6+ etcdctl (an unknown variable there) nor override 3.4's v3. */
export function withoutCtlApi(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { ETCDCTL_API: _ignored, ...rest } = env;
  return rest;
}

export class EtcdTestCluster {
  readonly members: HarnessMember[] = [];
  private clusterToken = `etcd-ops-test-${process.pid}-${Date.now()}`;
  /** The server and tools this cluster runs (one version for all its members). */
  readonly binaries: EtcdBinaries;

  private constructor(readonly root: string, readonly pki: TestPki,
    private readonly opts: Required<Pick<ClusterOptions, 'heartbeatMs' | 'electionMs' | 'quotaBackendBytes' | 'extraArgs'>> & Pick<ClusterOptions, 'hostsFiles'>,
    binaries: EtcdBinaries) {
    this.binaries = binaries;
  }

  static async start(options: ClusterOptions = {}): Promise<EtcdTestCluster> {
    // Resolved first, so a missing build fails with its message before any temp dir exists.
    const binaries = options.binaries ?? etcdBinaries();
    const root = fs.mkdtempSync(path.join(options.tmpRoot ?? os.tmpdir(), 'etcd-ops-cluster-'));
    const count = options.members ?? 3;
    const placed = Array.from({ length: count }, (_, i) => options.placement?.(i) ?? {});
    const extraIps = [...new Set(placed.flatMap((p) => [p.peerHost, p.clientHost]).filter((h): h is string => !!h && h !== '127.0.0.1'))];
    const pki = options.pki ?? makeTestPki(path.join(root, 'pki'), extraIps);
    const cluster = new EtcdTestCluster(root, pki, {
      heartbeatMs: options.heartbeatMs ?? 100, electionMs: options.electionMs ?? 1000, hostsFiles: options.hostsFiles,
      quotaBackendBytes: options.quotaBackendBytes ?? 2 * 1024 * 1024 * 1024, extraArgs: options.extraArgs ?? [],
    }, binaries);
    for (let i = 0; i < count; i++) {
      const [clientPort, peerPort] = [await freePort(), await freePort()];
      const where = placed[i];
      const name = `m${i + 1}`;
      const advertisedPeerHost = options.peerHosts?.[name];
      cluster.members.push({
        name, clientUrl: `https://${where.clientHost ?? '127.0.0.1'}:${clientPort}`,
        peerUrl: `https://${where.peerHost ?? advertisedPeerHost ?? '127.0.0.1'}:${peerPort}`,
        ...(advertisedPeerHost ? { peerListenUrl: `https://127.0.0.1:${peerPort}` } : {}),
        dataDir: path.join(root, `${name}.etcd`), process: null, log: [], netns: where.netns,
      });
    }
    const initialCluster = cluster.members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    try {
      await options.beforeSpawn?.(cluster.members);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    for (const m of cluster.members) cluster.spawnMember(m, initialCluster, 'new');
    try {
      await cluster.waitHealthy();
    } catch (err) {
      // A cluster that never became healthy must not outlive the failure: nobody else holds it to close.
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  /** TLS options in the shape the product's connection profile takes. */
  get tls(): { caFile: string; certFile: string; keyFile: string } {
    return { caFile: this.pki.ca, certFile: this.pki.clientCert, keyFile: this.pki.clientKey };
  }

  /**
   * `fromEnv`: the member's identity and initial cluster come only from these ETCD_* variables (what an
   * operator would export from a tool's output), not from flags.
   */
  private spawnMember(m: HarnessMember, initialCluster: string, state: 'new' | 'existing', fromEnv?: Record<string, string>): void {
    const p = this.pki;
    const identity = fromEnv ? [] : [
      '--name', m.name, '--initial-advertise-peer-urls', m.peerUrl,
      '--initial-cluster', initialCluster, '--initial-cluster-state', state,
      '--initial-cluster-token', this.clusterToken,
    ];
    const args = [
      ...identity, '--data-dir', m.dataDir,
      '--listen-client-urls', m.clientUrl, '--advertise-client-urls', m.clientUrl,
      '--listen-peer-urls', m.peerListenUrl ?? m.peerUrl,
      '--cert-file', p.serverCert, '--key-file', p.serverKey, '--trusted-ca-file', p.ca, '--client-cert-auth',
      '--peer-cert-file', p.serverCert, '--peer-key-file', p.serverKey, '--peer-trusted-ca-file', p.ca,
      '--peer-client-cert-auth',
      '--heartbeat-interval', String(this.opts.heartbeatMs), '--election-timeout', String(this.opts.electionMs),
      '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn',
      '--quota-backend-bytes', String(this.opts.quotaBackendBytes),
      ...this.opts.extraArgs,
    ];
    const env = fromEnv ? { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD_'))), ...fromEnv } : process.env;
    const hosts = this.opts.hostsFiles?.[m.name];
    let child: ChildProcess;
    if (m.netns) {
      // `ip netns exec` execs etcd in place, so signals sent to the child reach etcd itself.
      child = spawn('ip', ['netns', 'exec', m.netns, this.binaries.etcd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
    } else if (hosts !== undefined) {
      // A private mount namespace with its own /etc/hosts; unshare and sh exec, so the child's pid is etcd's.
      const hostsPath = path.join(this.root, `${m.name}.hosts`);
      fs.writeFileSync(hostsPath, hosts);
      child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hostsPath, this.binaries.etcd, ...args],
        { stdio: ['ignore', 'ignore', 'pipe'], env });
    } else {
      child = spawn(this.binaries.etcd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    }
    m.process = child;
    m.log = [];
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      m.log.push(...chunk.split('\n').filter(Boolean));
      if (m.log.length > 50) m.log.splice(0, m.log.length - 50);
    });
    child.on('exit', () => { if (m.process === child) m.process = null; });
  }

  member(nameOrIndex: string | number): HarnessMember {
    const m = typeof nameOrIndex === 'number' ? this.members[nameOrIndex] : this.members.find((x) => x.name === nameOrIndex);
    if (!m) throw new Error(`no test member ${nameOrIndex}`);
    return m;
  }

  /** kill -9: no graceful leadership hand-over. */
  async kill(nameOrIndex: string | number): Promise<void> {
    const m = this.member(nameOrIndex);
    const child = m.process;
    if (!child) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  pause(nameOrIndex: string | number): void {
    this.member(nameOrIndex).process?.kill('SIGSTOP');
  }

  resume(nameOrIndex: string | number): void {
    this.member(nameOrIndex).process?.kill('SIGCONT');
  }

  /** Restart a stopped member with its existing data dir. */
  async restart(nameOrIndex: string | number): Promise<void> {
    const m = this.member(nameOrIndex);
    if (m.process) return;
    const initialCluster = this.members.map((x) => `${x.name}=${x.peerUrl}`).join(',');
    this.spawnMember(m, initialCluster, 'existing');
    await this.waitHealthy([m]);
  }

  /**
   * Adds a member through etcdctl (the tool an operator would use) and starts it.
   * Returns the new member once its process runs; with `learner` it joins as a non-voting member.
   */
  async addMember(options: { learner?: boolean; start?: boolean } = {}): Promise<HarnessMember> {
    const index = this.members.length + 1;
    const m: HarnessMember = {
      name: `m${index}`, clientUrl: `https://127.0.0.1:${await freePort()}`,
      peerUrl: `https://127.0.0.1:${await freePort()}`, dataDir: path.join(this.root, `m${index}.etcd`), process: null, log: [],
    };
    const live = this.members.filter((x) => x.process).map((x) => x.clientUrl);
    const out = await this.etcdctl(['member', 'add', m.name, `--peer-urls=${m.peerUrl}`, ...(options.learner ? ['--learner'] : [])], live);
    const initialCluster = /ETCD_INITIAL_CLUSTER="([^"]+)"/.exec(out)?.[1];
    if (!initialCluster) throw new Error(`etcdctl member add printed no initial cluster: ${out}`);
    this.members.push(m);
    if (options.start !== false) {
      this.spawnMember(m, initialCluster, 'existing');
      await this.waitUntil(async () => (await this.etcdctl(['member', 'list'], live)).includes(`, started, ${m.name},`), 15000, `${m.name} to start`);
    }
    return m;
  }

  /**
   * A new member's ports and (empty, not yet created) data dir, not started and not added: for a test that
   * adds it through the tool and then starts it with `startFromEnv`.
   */
  async reserveMember(name: string): Promise<HarnessMember> {
    return {
      name, clientUrl: `https://127.0.0.1:${await freePort()}`, peerUrl: `https://127.0.0.1:${await freePort()}`,
      dataDir: path.join(this.root, `${name}-${this.members.length + 1}.etcd`), process: null, log: [],
    };
  }

  /**
   * Starts a reserved member on its empty data dir with the cluster's PKI, its name, initial cluster, peer URLs
   * and state taken only from `env` (ETCD_NAME, ETCD_INITIAL_CLUSTER, ...). Resolves once the process runs;
   * joins the members this harness stops on close().
   */
  startFromEnv(m: HarnessMember, env: Record<string, string>): void {
    if (fs.existsSync(m.dataDir) && fs.readdirSync(m.dataDir).length) throw new Error(`${m.dataDir} is not empty`);
    if (!this.members.includes(m)) this.members.push(m);
    this.spawnMember(m, '', 'existing', env);
  }

  /** Runs the real etcdctl (v3 API) against the given endpoints with this cluster's client TLS. */
  etcdctl(args: string[], endpoints: string[] = this.endpoints, timeoutMs = 10000): Promise<string> {
    const p = this.pki;
    return new Promise((resolve, reject) => {
      execFile(this.binaries.etcdctl, [`--endpoints=${endpoints.join(',')}`, `--cacert=${p.ca}`, `--cert=${p.clientCert}`,
        `--key=${p.clientKey}`, '--dial-timeout=2s', '--command-timeout=5s', ...args],
        { env: { ...withoutCtlApi(process.env), ...this.binaries.ctlEnv }, timeout: timeoutMs }, (err, stdout, stderr) => {
          if (err) reject(new Error(`etcdctl ${args.join(' ')} failed: ${stderr || err.message}`));
          else resolve(stdout);
        });
    });
  }

  /** `etcdctl endpoint status` of the given endpoints (empty when etcdctl fails). */
  async endpointStatus(endpoints: string[], timeoutMs = 10000): Promise<CtlEndpointStatus[]> {
    const out = await this.etcdctl(['endpoint', 'status', '-w', 'fields'], endpoints, timeoutMs).catch(() => '');
    return parseEndpointStatusFields(out);
  }

  /** Leader's member name according to etcdctl, or null. */
  async leaderName(): Promise<string | null> {
    const rows = await this.endpointStatus(this.members.filter((m) => m.process).map((m) => m.clientUrl));
    const leaderId = rows.find((r) => r.leaderId && r.leaderId !== '0')?.leaderId;
    const leaderRow = rows.find((r) => r.memberId === leaderId);
    return leaderRow ? this.members.find((m) => m.clientUrl === leaderRow.endpoint)?.name ?? null : null;
  }

  async waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }

  async waitHealthy(members: HarnessMember[] = this.members, timeoutMs = 20000): Promise<void> {
    try {
      await this.waitUntil(async () => {
        await this.etcdctl(['endpoint', 'health'], members.map((m) => m.clientUrl), 4000);
        return (await this.leaderName()) !== null;
      }, timeoutMs, 'etcd to become healthy');
    } catch (err) {
      const logs = members.map((m) => `${m.name}: ${m.log.slice(-5).join('\n')}`).join('\n');
      throw new Error(`${(err as Error).message}\n${logs}`);
    }
  }

  async close(): Promise<void> {
    for (const m of this.members) {
      if (m.process) { m.process.kill('SIGCONT'); }
    }
    await Promise.all(this.members.map((m) => (m.process ? this.kill(m.name) : undefined)));
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
