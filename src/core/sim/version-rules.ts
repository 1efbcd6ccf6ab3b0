// The rules a simulated cluster follows, per etcd minor version, as read in each release's server code:
// which defaults its raft runs with and how its server gates membership changes. A rehearsal uses the
// rules of the version the imported cluster runs, so an operation is tried against what will judge it.
//
// What differs (and what does not) from 3.4 to 3.7:
// - `--pre-vote` is off by default in 3.4 and on from 3.5: without it, a member that was cut off comes
//   back with a higher term and unseats the leader.
// - the learner limit is fixed at 1 through 3.5; 3.6 made it a flag (`--max-learners`, default 1).
// - `--snapshot-count` defaults to 100,000 through 3.5 and to 10,000 from 3.6; every version keeps
//   5,000 entries after a snapshot (SnapshotCatchUpEntries) for slow followers to catch up by log.
// - the same everywhere: check-quorum always on, strict reconfiguration checks on by default (same
//   started-member and connected-quorum tests), promotion only when the learner has >= 90 % of the
//   leader's log, and a leader that applies its own removal keeps leading until it stops (etcd never sets
//   raft's StepDownOnRemoval), so the survivors wait out an election timeout.

export const ETCD_MINORS = ['3.4', '3.5', '3.6', '3.7'] as const;
export type EtcdMinor = typeof ETCD_MINORS[number];

/** The version rehearsals use when the cluster's own is unknown: what the distributions ship (late 2026). */
export const DEFAULT_ETCD_MINOR: EtcdMinor = '3.6';

/** Where the version came from. */
export type RulesSource = 'flag' | 'topology' | 'default';

export interface VersionRules {
  /** The etcd minor version these rules are of. */
  version: EtcdMinor;
  source: RulesSource;
  /** The version text the rules were picked from (a member's Status version, a flag), when there was one. */
  from: string | null;
  /** Default of `--pre-vote`. */
  preVote: boolean;
  /** raft's CheckQuorum: etcd always sets it. */
  checkQuorum: boolean;
  /** raft's StepDownOnRemoval: etcd never sets it. */
  stepDownOnRemoval: boolean;
  /** Learners allowed at once. */
  maxLearners: number;
  /** Whether the learner limit is a flag (`--max-learners`) in this version. */
  maxLearnersFlag: boolean;
  /** Default of `--strict-reconfig-check`. */
  strictReconfigCheck: boolean;
  /** Share of the leader's log a learner must have to be promoted. */
  learnerReadyPercent: number;
  /** Default of `--snapshot-count`: applied entries between two snapshots (100,000 through 3.5, 10,000 from 3.6). */
  snapshotCount: number;
}

type RuleRow = Omit<VersionRules, 'version' | 'source' | 'from'>;

const COMMON: RuleRow = {
  preVote: true, checkQuorum: true, stepDownOnRemoval: false, maxLearners: 1, maxLearnersFlag: false,
  strictReconfigCheck: true, learnerReadyPercent: 0.9, snapshotCount: 100_000,
};

const TABLE: Record<EtcdMinor, RuleRow> = {
  '3.4': { ...COMMON, preVote: false },
  '3.5': { ...COMMON },
  '3.6': { ...COMMON, maxLearnersFlag: true, snapshotCount: 10_000 },
  '3.7': { ...COMMON, maxLearnersFlag: true, snapshotCount: 10_000 },
};

export class VersionRulesError extends Error {}

/**
 * The minor version of an etcd version text ("3.5", "v3.6.14", "3.6.14-k3s1"); null when it is not one.
 * Versions after 3.7 map to 3.7 (the newest rules known); versions before 3.4 are refused.
 */
export function etcdMinorOf(text: string): EtcdMinor | null {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?$/.exec(text.trim());
  if (!m) return null;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 3 || minor < 4) return null;
  return minor > 7 ? '3.7' : (`3.${minor}` as EtcdMinor);
}

export interface RulesOptions {
  source?: RulesSource;
  from?: string | null;
  /** `--max-learners`, 3.6 and later only. */
  maxLearners?: number;
}

/** The rules of `version` (a minor version or any etcd version text); throws VersionRulesError when unknown. */
export function rulesFor(version: string, options: RulesOptions = {}): VersionRules {
  const minor = etcdMinorOf(version);
  if (minor === null) {
    throw new VersionRulesError(`"${version}" is not an etcd version the simulator has rules for (${ETCD_MINORS.join(', ')})`);
  }
  const row = TABLE[minor];
  const rules: VersionRules = { version: minor, source: options.source ?? 'flag', from: options.from ?? version, ...row };
  if (options.maxLearners !== undefined) {
    if (!row.maxLearnersFlag) {
      throw new VersionRulesError(`etcd ${minor} has no --max-learners: its limit is fixed at ${row.maxLearners} learner`);
    }
    if (!Number.isInteger(options.maxLearners) || options.maxLearners < 1) {
      throw new VersionRulesError(`--max-learners must be a positive integer, got ${options.maxLearners}`);
    }
    rules.maxLearners = options.maxLearners;
  }
  return rules;
}

/** A server version a simulated member reports: the one the rules were picked from, else a release of that minor. */
export function sampleVersionOf(r: VersionRules): string {
  if (r.from && /^v?\d+\.\d+\.\d+/.test(r.from)) return r.from.replace(/^v/, '');
  return SAMPLE_VERSIONS[r.version];
}

const SAMPLE_VERSIONS: Record<EtcdMinor, string> = { '3.4': '3.4.23', '3.5': '3.5.24', '3.6': '3.6.14', '3.7': '3.7.3' };

/** The rules used when nothing says which version the cluster runs. */
export function defaultRules(): VersionRules {
  return { version: DEFAULT_ETCD_MINOR, source: 'default', from: null, ...TABLE[DEFAULT_ETCD_MINOR] };
}

/**
 * The rules for members reporting these server versions (a Status `version` each, undefined when not
 * known). A cluster runs at its oldest member's version (etcd's cluster version), so that one decides;
 * without any known version, the default.
 */
export function rulesFromVersions(versions: readonly (string | undefined | null)[]): VersionRules {
  let oldest: { minor: EtcdMinor; text: string } | null = null;
  for (const v of versions) {
    if (!v) continue;
    const minor = etcdMinorOf(v);
    if (minor === null) continue;
    if (oldest === null || ETCD_MINORS.indexOf(minor) < ETCD_MINORS.indexOf(oldest.minor)) oldest = { minor, text: v };
  }
  if (oldest === null) return defaultRules();
  return rulesFor(oldest.minor, { source: 'topology', from: oldest.text });
}

/** What a run may set apart from the version's defaults. */
export interface TimingChoices {
  preVote: boolean;
  checkQuorum: boolean;
  stepDownOnRemoval: boolean;
}

/** One line saying which rules a run used and why, in an operator's words; `timing` names what the run set otherwise. */
export function describeRules(r: VersionRules, timing?: TimingChoices): string {
  const why = r.source === 'default' ? `the cluster's version is unknown, so the default ${r.version}`
    : r.source === 'topology' ? `the imported cluster runs ${r.from}`
      : `asked for ${r.from}`;
  const learners = `at most ${r.maxLearners} learner${r.maxLearners === 1 ? '' : 's'}${r.maxLearnersFlag ? ' (--max-learners)' : ''}`;
  const onOff = (v: boolean) => (v ? 'on' : 'off');
  const choice = (name: string, versionDefault: boolean, chosen: boolean | undefined) => (chosen === undefined || chosen === versionDefault
    ? `${name} ${onOff(versionDefault)}` : `${name} ${onOff(chosen)} (set for this run; etcd ${r.version}: ${onOff(versionDefault)})`);
  const stepDown = timing?.stepDownOnRemoval ?? r.stepDownOnRemoval;
  return `etcd ${r.version} rules (${why}): ${choice('pre-vote', r.preVote, timing?.preVote)}, `
    + `${choice('check-quorum', r.checkQuorum, timing?.checkQuorum)}, ${learners}, `
    + `promotion at ${Math.round(r.learnerReadyPercent * 100)} % caught up, strict reconfiguration checks ${onOff(r.strictReconfigCheck)}, `
    + `a removed leader ${stepDown ? 'steps down at once' : 'keeps leading until it stops'}${stepDown !== r.stepDownOnRemoval ? ' (set for this run)' : ''}`;
}
