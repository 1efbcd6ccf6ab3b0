// `etcd-ops simulate`: rehearse a scenario on the embedded Raft simulator, once or as a Monte-Carlo study,
// optionally on the topology of a real cluster (a `status --json` snapshot), and write a JSON-lines trace.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ClusterHealth, MemberHealth, quorumOf } from '../core/cluster-model';
import { formatMs } from '../core/format';
import { ClusterSpec, resolveTiming, SimTiming } from '../core/sim/engine';
import { rulesFor, VersionRules, VersionRulesError } from '../core/sim/version-rules';
import { rulesOfCluster } from '../core/sim/scenario-run';
import { MonteCarloSummary, runSeeds, summarize } from '../core/sim/monte-carlo';
import { mix32, Prng } from '../core/sim/prng';
import { MAX_SLOTS } from '../core/sim/raft-node';
import { RunResult, runScenario } from '../core/sim/scenario-run';
import { parseScenarioText, ScenarioFileError } from '../core/sim/scenario-file';
import { BUILTIN_SCENARIOS, builtinScenario, ScenarioSpec } from '../core/sim/scenarios';
import { specFromHealth } from '../core/sim/topology';
import { toJsonLines, TraceEvent } from '../core/sim/trace';
import { OptionTable, OptionValues, UsageError } from './args';
import { defineCommand } from './command';
import { CliIo, printJson, table } from './output';

const BOOL = ['true', 'false'] as const;

const OPTIONS = {
  scenario: { type: 'string', value: 'NAME|FILE', help: 'a built-in scenario (--list) or a JSON scenario file; may also be given alone, without the flag' },
  members: { type: 'integer', value: 'N', min: 1, help: 'cluster size (built-ins; overrides a file\'s "members")' },
  runs: { type: 'integer', value: 'N', min: 1, max: 1_000_000, default: 100, help: 'Monte-Carlo runs, seeds S, S+1, ...' },
  seed: { type: 'integer', value: 'S', min: 0, max: 0xffffffff, default: 1, help: 'first seed; the same seed replays the same run, bit for bit' },
  trace: { type: 'string', value: 'FILE', help: 'write the worst run\'s trace as JSON lines {t, node, event, term, ...}' },
  heartbeat: { type: 'integer', value: 'MS', min: 1, help: 'heartbeat interval (default 100, etcd\'s)' },
  election: { type: 'integer', value: 'MS', min: 1, help: 'election timeout (default 1000, etcd\'s)' },
  'etcd-version': { type: 'string', value: 'V', help: 'rehearse with the rules of etcd 3.4, 3.5, 3.6 or 3.7 (default: the topology\'s version, else 3.6); the output says which rules it used' },
  'pre-vote': { type: 'string', value: 'true|false', choices: BOOL, help: 'pre-vote (default: the version\'s, off in 3.4, on from 3.5)' },
  'check-quorum': { type: 'string', value: 'true|false', choices: BOOL, help: 'check-quorum (default true)' },
  'step-down-on-removal': { type: 'string', value: 'true|false', choices: BOOL, help: 'a removed leader steps down at once (default false, as etcd 3.4 to 3.7)' },
  stall: { type: 'integer', value: 'MS', min: 1, help: 'a write stall longer than this counts as quorum lost (default 5 election timeouts)' },
  topology: { type: 'string', value: 'FILE', help: 'start from a real cluster: the output of "etcd-ops status --json"' },
  workers: { type: 'integer', value: 'N', min: 1, max: 64, help: 'threads sharing the runs (default: one per idle core, up to 4, from 400 runs on); results do not depend on it' },
  list: { type: 'boolean', help: 'list the built-in scenarios' },
  json: { type: 'boolean', help: 'print {runs, seed, quorumLostRuns, leaderlessMs: {p50, p95, max}, eventsPerSec, ...}' },
} as const satisfies OptionTable;

type SimulateValues = OptionValues<typeof OPTIONS>;

function boolValue(v: 'true' | 'false' | string | undefined): boolean | undefined {
  return v === undefined ? undefined : v === 'true';
}

function timingFromFlags(values: SimulateValues): Partial<SimTiming> {
  return {
    heartbeatMs: values.heartbeat,
    electionMs: values.election,
    preVote: boolValue(values['pre-vote']),
    checkQuorum: boolValue(values['check-quorum']),
    stepDownOnRemoval: boolValue(values['step-down-on-removal']),
  };
}

/** What a worker thread needs to rebuild the same scenario (functions do not cross threads). */
type ScenarioRef = { builtin: string; members: number } | { spec: ScenarioSpec };

function scenarioSource(ref: ScenarioRef): (seed: number) => ScenarioSpec {
  if ('spec' in ref) return () => ref.spec;
  const builtin = builtinScenario(ref.builtin);
  if (!builtin) throw new Error(`unknown scenario ${ref.builtin}`);
  // Built-ins draw their random choices (random-faults) from the run's seed.
  return (seed) => builtin.build(ref.members, new Prng(mix32(seed ^ 0x0b1e55ed)));
}

function loadScenario(ref: string, members: number | undefined): ScenarioRef {
  const builtin = builtinScenario(ref);
  if (builtin) {
    const n = members ?? builtin.defaultMembers;
    if (n < builtin.minMembers) throw new UsageError(`scenario ${ref} needs --members >= ${builtin.minMembers}`);
    if (n > MAX_SLOTS - 2) throw new UsageError(`--members must be <= ${MAX_SLOTS - 2}`);
    return { builtin: ref, members: n };
  }
  if (!fs.existsSync(ref)) {
    throw new UsageError(`unknown scenario "${ref}": not a built-in (${BUILTIN_SCENARIOS.map((s) => s.name).join(', ')}) nor a file`);
  }
  let text: string;
  try {
    text = fs.readFileSync(ref, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read scenario file ${ref}: ${(err as Error).message}`);
  }
  try {
    const parsed = parseScenarioText(text, ref);
    const spec = members !== undefined ? { ...parsed, members } : parsed;
    if ((spec.members ?? 3) > MAX_SLOTS - 2) throw new UsageError(`${ref}: "members" must be <= ${MAX_SLOTS - 2}`);
    return { spec };
  } catch (err) {
    if (err instanceof ScenarioFileError) throw new UsageError(err.message);
    throw err;
  }
}

/** Accepts `etcd-ops status --json` output (flat member fields) or a full ClusterHealth. */
export function healthFromJson(value: unknown, source: string): ClusterHealth {
  const v = value as { members?: unknown; leader?: unknown };
  if (typeof v !== 'object' || v === null || !Array.isArray(v.members)) throw new UsageError(`${source}: expected a "members" list (etcd-ops status --json)`);
  const members: MemberHealth[] = (v.members as Record<string, unknown>[]).map((m, i) => {
    if (typeof m !== 'object' || m === null) throw new UsageError(`${source}: members[${i}] is not an object`);
    const str = (x: unknown) => (typeof x === 'string' ? x : null);
    const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
    const nested = (m.status ?? null) as Record<string, unknown> | null;
    const term = num(nested?.raftTerm ?? m.raftTerm);
    const applied = num(nested?.appliedIndex ?? m.appliedIndex);
    return {
      id: str(m.id),
      name: str(m.name) ?? '',
      peerURLs: Array.isArray(m.peerURLs) ? m.peerURLs.filter((u): u is string => typeof u === 'string') : [],
      clientURLs: Array.isArray(m.clientURLs) ? m.clientURLs.filter((u): u is string => typeof u === 'string') : [],
      isLearner: m.isLearner === true,
      started: m.started !== false && Boolean(str(m.name)),
      endpoint: str(m.endpoint),
      healthy: m.healthy === true,
      isLeader: m.isLeader === true,
      latencyMs: num(m.latencyMs),
      error: str(m.error),
      status: term === null ? null : {
        leader: null, raftTerm: term, raftIndex: num(nested?.raftIndex ?? m.raftIndex) ?? applied ?? 0, appliedIndex: applied ?? 0,
        dbSize: num(nested?.dbSize ?? m.dbSize) ?? 0, dbSizeInUse: num(nested?.dbSizeInUse ?? m.dbSizeInUse) ?? 0,
        version: str(nested?.version ?? m.version) ?? '', isLearner: m.isLearner === true, errors: [],
      },
      alarms: [],
    };
  });
  const leader = typeof v.leader === 'string' ? v.leader : members.find((m) => m.isLeader)?.id ?? null;
  return { clusterId: null, leader, members, quorum: quorumOf(members), findings: [], endpoints: [], takenAt: 0, durationMs: 0 };
}

function loadTopology(file: string): ClusterHealth {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read topology ${file}: ${(err as Error).message}`);
  }
  return healthFromJson(value, file);
}

function dist(d: { p50: number; p95: number; max: number }, ms = true): string {
  const f = (x: number) => (ms ? formatMs(x) : String(x));
  return `p50 ${f(d.p50)} · p95 ${f(d.p95)} · max ${f(d.max)}`;
}

function printSummary(io: CliIo, s: MonteCarloSummary, timing: SimTiming, traceFile: string | undefined, replay: string): void {
  io.out(`scenario ${s.scenario} · ${s.members} member(s) at the start · ${s.runs} run(s), seeds ${s.seed}..${(s.seed + s.runs - 1) >>> 0}`);
  io.out(`rules: ${s.rulesText}`);
  io.out(`timing: heartbeat ${timing.heartbeatMs} ms, election ${timing.electionMs} ms, pre-vote ${timing.preVote ? 'on' : 'off'}, `
    + `check-quorum ${timing.checkQuorum ? 'on' : 'off'}, step-down-on-removal ${timing.stepDownOnRemoval ? 'on' : 'off'}`);
  const rows = [
    ['quorum lost', `${s.quorumLostRuns} of ${s.runs} runs`],
    ['leaderless (no leader able to commit)', dist(s.leaderlessMs)],
    ['longest gap between commits', dist(s.longestCommitGapMs)],
    ['no spare failure (fault tolerance 0)', dist(s.zeroFaultToleranceMs)],
    ['leader elections per run', `mean ${s.elections.mean} · max ${s.elections.max}`],
    ['time to stable after the first step', `${dist(s.timeToStableMs)}${s.notRecoveredRuns ? ` · never recovered in ${s.notRecoveredRuns} run(s)` : ''}`],
    ['worst seed', `${s.worstSeed} (leaderless ${formatMs(s.worst.leaderlessMs)}${s.worst.quorumLost ? ', quorum lost' : ''})`],
  ];
  io.out(table(['', ''], rows).split('\n').slice(1).join('\n'));
  if (s.opErrors.length) {
    io.out('operation errors (all runs, retried refusals included):');
    for (const e of s.opErrors.slice(0, 8)) io.out(`  ${String(e.count).padStart(6)} × ${e.error}`);
  }
  io.out(`simulated ${formatMs(s.simulatedMs)} in ${formatMs(s.wallMs)} wall: ${s.events.toLocaleString('en-US')} events `
    + `(${s.eventsPerSec.toLocaleString('en-US')}/s), ${s.messagesDelivered.toLocaleString('en-US')} messages delivered (${s.messagesPerSec.toLocaleString('en-US')}/s)`);
  io.out(traceFile ? `trace of seed ${s.worstSeed} written to ${traceFile}`
    : `replay the worst run: etcd-ops simulate ${replay} --seed ${s.worstSeed} --runs 1 --trace trace.jsonl`);
}

// ---- Monte-Carlo over worker threads -------------------------------------------------------------------
// Runs are independent and each is deterministic from its seed, so seeds are split into contiguous slices,
// one per thread, and the results are put back in seed order: the summary is the same for any thread count.

interface SliceJob {
  scenario: ScenarioRef;
  cluster?: ClusterSpec;
  timing: SimTiming;
  rules: VersionRules;
  stallMs?: number;
  first: number;
  count: number;
}

const SLICE_KEY = 'etcdOpsSimulateSlice';

function runSlice(job: SliceJob): Promise<RunResult[]> {
  const withMembers = (sp: ScenarioSpec) => (job.cluster ? { ...sp, members: job.cluster.members.length } : sp);
  const source = scenarioSource(job.scenario);
  return runSeeds((seed) => withMembers(source(seed)), job.first, job.count, { timing: job.timing, rules: job.rules, stallMs: job.stallMs, cluster: job.cluster });
}

/** The module exporting the CLI's main(): the bundle itself (dist/cli.js), or src/cli.ts when run from source. */
function cliEntry(): string {
  return __filename.endsWith('.ts') ? path.join(__dirname, '..', 'cli.ts') : __filename;
}

function runSliceInWorker(job: SliceJob): Promise<RunResult[]> {
  // The worker loads the CLI and runs `simulate`, which sees the job in workerData and answers with results.
  // From source (tests, benches under tsx) the worker registers tsx's require hook itself; the bundle needs none.
  const code = `const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  if (workerData.entry.endsWith('.ts')) { require('tsx/cjs/api').register(); (await import('tsx/esm/api')).register(); }
  await require(workerData.entry).main(['simulate'],
    { out() {}, err(t) { parentPort.postMessage({ error: t }); }, interactive: false, ask: async () => '' });
})().catch((e) => parentPort.postMessage({ error: String((e && e.message) || e) }));`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const w = new Worker(code, { eval: true, workerData: { entry: cliEntry(), [SLICE_KEY]: job } });
    w.on('message', (m: { results?: RunResult[]; error?: string }) => {
      settled = true;
      if (m.results) resolve(m.results);
      else reject(new Error(m.error ?? 'worker failed'));
    });
    w.on('error', (err) => { settled = true; reject(err); });
    w.on('exit', (code) => { if (!settled) reject(new Error(`simulation worker exited with code ${code}`)); });
  });
}

async function monteCarlo(job: Omit<SliceJob, 'first' | 'count'>, seed: number, runs: number, workers: number): Promise<RunResult[]> {
  if (workers <= 1) return runSlice({ ...job, first: seed, count: runs });
  const per = Math.ceil(runs / workers);
  const slices: Promise<RunResult[]>[] = [];
  for (let k = 0, first = 0; first < runs; k++, first += per) {
    const slice = { ...job, first: (seed + first) >>> 0, count: Math.min(per, runs - first) };
    // The first slice runs on this thread while the workers start.
    slices.push(k === 0 ? runSlice(slice) : runSliceInWorker(slice));
  }
  return (await Promise.all(slices)).flat();
}

/** One thread per idle core (cores minus the 1-minute load), at most 4, and only for 400 runs or more. */
function defaultWorkers(runs: number): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const idle = cores - (os.loadavg()[0] ?? 0);
  return Math.max(1, Math.min(4, Math.floor(idle + 0.25), Math.floor(runs / 200)));
}

export const command = defineCommand({
  summary: 'rehearse a scenario on the embedded Raft simulator (Monte-Carlo over seeds)',
  synopsis: '--scenario NAME|FILE [--members N] [--runs N] [--seed S] [--trace FILE] [options] [--json]',
  description: `Rehearses a scenario on the embedded Raft simulator (etcd's raft: pre-vote, check-quorum, leader
transfer, membership changes; etcd's strict reconfiguration checks), over many seeds with randomized fault
timing. Touches no cluster.`,
  positional: 'NAME|FILE',
  options: OPTIONS,
  footer: 'Exit: 0 when the runs completed (whatever they found), 1 when they could not run (a trace that cannot be written), 2 usage error (an unknown scenario, a bad scenario or topology file, bad timing).',
  async run({ values, positional, given }, io) {
    if (!isMainThread && workerData?.[SLICE_KEY]) {
      parentPort!.postMessage({ results: await runSlice(workerData[SLICE_KEY] as SliceJob) });
      return 0;
    }
    if (values.list) {
      const rows = BUILTIN_SCENARIOS.map((s) => [s.name, String(s.defaultMembers), s.summary]);
      if (values.json) printJson(io, BUILTIN_SCENARIOS.map((s) => ({ name: s.name, defaultMembers: s.defaultMembers, summary: s.summary })));
      else io.out(table(['SCENARIO', 'MEMBERS', 'WHAT HAPPENS'], rows));
      return 0;
    }
    if (values.scenario !== undefined && positional !== undefined) throw new UsageError(`give the scenario once: --scenario ${values.scenario} or ${positional}, not both`);
    const ref = values.scenario ?? positional;
    if (!ref) throw new UsageError('--scenario NAME|FILE is required (etcd-ops simulate --list shows the built-ins)');
    const { members: membersFlag, seed, runs, trace: traceFile, topology: topologyFile } = values;
    let timing: SimTiming;
    const flagTiming = timingFromFlags(values);
    try {
      timing = resolveTiming(flagTiming);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const stallMs = values.stall;
    const topology = topologyFile ? specFromHealth(loadTopology(topologyFile)) : undefined;
    let rules: VersionRules;
    try {
      rules = values['etcd-version'] !== undefined ? rulesFor(values['etcd-version'], { source: 'flag' }) : rulesOfCluster(topology);
    } catch (err) {
      throw err instanceof VersionRulesError ? new UsageError(`--etcd-version: ${err.message}`) : err;
    }
    const scenario = loadScenario(ref, topology ? topology.members.length : membersFlag);
    const source = scenarioSource(scenario);
    const specFor = (s: number): ScenarioSpec => (topology ? { ...source(s), members: topology.members.length } : source(s));
    const spec = specFor(seed);
    const workers = values.workers ?? defaultWorkers(runs);
    // Flags win over the file's timing; the file's timing over etcd's defaults.
    try {
      timing = resolveTiming({ ...spec.timing, ...Object.fromEntries(Object.entries(flagTiming).filter(([, v]) => v !== undefined)) }, rules);
    } catch (err) {
      throw new UsageError(`${ref}: ${(err as Error).message}`);
    }

    const started = performance.now();
    const results = await monteCarlo({ scenario, cluster: topology, timing, rules, stallMs }, seed, runs, Math.min(workers, runs));
    const summary = summarize(spec, seed, results, performance.now() - started);
    if (traceFile) {
      const events: TraceEvent[] = [];
      await runScenario(specFor(summary.worstSeed), summary.worstSeed, { timing, rules, stallMs, cluster: topology, trace: (e) => events.push(e) });
      try {
        fs.writeFileSync(traceFile, toJsonLines(events));
      } catch (err) {
        throw new Error(`cannot write trace ${traceFile}: ${(err as Error).message}`);
      }
    }
    // CPU time of this process since it started (CLI start included; worker threads included), which
    // unlike wall time does not depend on what else the machine runs.
    const cpu = process.cpuUsage();
    const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
    if (values.json) printJson(io, { ...summary, workers: Math.min(workers, runs), cpuMs, timing, trace: traceFile ?? null });
    else {
      const quote = (x: string) => (/^[\w./:=-]+$/.test(x) ? x : `'${x.replace(/'/g, `'\\''`)}'`);
      const same = ['--scenario', ref, ...(topologyFile ? ['--topology', topologyFile] : ['--members', String('builtin' in scenario ? scenario.members : spec.members ?? 3)]),
        ...[...given].filter(([k]) => ['etcd-version', 'heartbeat', 'election', 'pre-vote', 'check-quorum', 'step-down-on-removal', 'stall'].includes(k))
          .flatMap(([k, v]) => [`--${k}`, String(v)])];
      printSummary(io, summary, timing, traceFile, same.map(quote).join(' '));
    }
    return 0;
  },
});
