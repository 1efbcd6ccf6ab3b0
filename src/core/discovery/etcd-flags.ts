// etcd's `--experimental-*` flags across versions: 3.6 deprecates them (booleans become `--feature-gates`
// entries, the rest lose the prefix), 3.7 removes them, and a member whose flags or config file still name one
// does not start on 3.7. 3.6 also refuses to start when the old and the new spelling are both set.
// Discovery reads both spellings from every place a distribution keeps etcd's flags and normalises them.
import { Finding, finding } from '../findings';

/** What an old `--experimental-*` flag became in 3.6. */
export type Replacement = { flag: string } | { featureGate: string };

/** Checked against etcd 3.6's flag deprecation table and 3.7's flag set (renamed in 3.6, gone in 3.7). */
export const EXPERIMENTAL_RENAMES: Readonly<Record<string, Replacement>> = {
  'experimental-initial-corrupt-check': { featureGate: 'InitialCorruptCheck' },
  'experimental-compact-hash-check-enabled': { featureGate: 'CompactHashCheck' },
  'experimental-txn-mode-write-with-shared-buffer': { featureGate: 'TxnModeWriteWithSharedBuffer' },
  'experimental-stop-grpc-service-on-defrag': { featureGate: 'StopGRPCServiceOnDefrag' },
  'experimental-enable-lease-checkpoint': { featureGate: 'LeaseCheckpoint' },
  'experimental-enable-lease-checkpoint-persist': { featureGate: 'LeaseCheckpointPersist' },
  'experimental-compact-hash-check-time': { flag: 'compact-hash-check-time' },
  'experimental-corrupt-check-time': { flag: 'corrupt-check-time' },
  'experimental-compaction-batch-limit': { flag: 'compaction-batch-limit' },
  'experimental-watch-progress-notify-interval': { flag: 'watch-progress-notify-interval' },
  'experimental-warning-apply-duration': { flag: 'warning-apply-duration' },
  'experimental-warning-unary-request-duration': { flag: 'warning-unary-request-duration' },
  'experimental-bootstrap-defrag-threshold-megabytes': { flag: 'bootstrap-defrag-threshold-megabytes' },
  'experimental-memory-mlock': { flag: 'memory-mlock' },
  'experimental-snapshot-catchup-entries': { flag: 'snapshot-catchup-entries' },
  // The YAML key etcd's config file used for the same setting.
  'experimental-snapshot-catch-up-entries': { flag: 'snapshot-catchup-entries' },
  'experimental-compaction-sleep-interval': { flag: 'compaction-sleep-interval' },
  'experimental-downgrade-check-time': { flag: 'downgrade-check-time' },
  'experimental-peer-skip-client-san-verification': { flag: 'peer-skip-client-san-verification' },
  'experimental-enable-distributed-tracing': { flag: 'enable-distributed-tracing' },
  'experimental-distributed-tracing-address': { flag: 'distributed-tracing-address' },
  'experimental-distributed-tracing-service-name': { flag: 'distributed-tracing-service-name' },
  'experimental-distributed-tracing-instance-id': { flag: 'distributed-tracing-instance-id' },
  'experimental-distributed-tracing-sampling-rate': { flag: 'distributed-tracing-sampling-rate' },
};

/** One setting as written: `name` without dashes, the value as text ("true" for a bare boolean flag). */
export interface RawSetting {
  name: string;
  value: string;
}

export interface TuningEntry {
  value: string;
  /** The spelling found, e.g. `experimental-watch-progress-notify-interval` or `feature-gates`. */
  spelling: string;
}

/** etcd's tuning with both spellings folded together: what this member runs with, whichever name was used. */
export interface EtcdTuning {
  /** By the 3.6 flag name (e.g. `watch-progress-notify-interval`); the last spelling found wins. */
  flags: Record<string, TuningEntry>;
  /** Feature gates by name, from `--feature-gates` or the old boolean flags. */
  featureGates: Record<string, { enabled: boolean; spelling: string }>;
  /** Old spellings in use, in the order found. */
  deprecated: { spelling: string; replacement: Replacement }[];
  /** A setting given in both spellings (3.6 refuses to start). */
  conflicts: { setting: string; spellings: [string, string] }[];
}

const valueText = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;

/** `--a=1 --b 2 --c` (and k3s/RKE2 `etcd-arg` entries, which omit the dashes) -> raw settings. */
export function rawFromArgs(args: string[], options: { dashesOptional?: boolean } = {}): RawSetting[] {
  const out: RawSetting[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i].trim();
    const dashed = /^--?([^=\s]+)(?:=(.*))?$/.exec(arg);
    const bare = options.dashesOptional ? /^([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg) : null;
    const m = dashed ?? bare;
    if (!m) continue;
    if (m[2] !== undefined) out.push({ name: m[1], value: m[2] });
    else if (dashed && i + 1 < args.length && !args[i + 1].startsWith('-')) out.push({ name: m[1], value: args[++i] });
    else out.push({ name: m[1], value: 'true' });
  }
  return out;
}

/** etcd's YAML config file (keys are flag names) -> raw settings; nested sections are not flags. */
export function rawFromConfig(doc: Record<string, unknown>): RawSetting[] {
  return Object.entries(doc).flatMap(([name, v]) => {
    const value = valueText(v);
    return value === null ? [] : [{ name, value }];
  });
}

/** `A=true,B=false` -> gates; entries that are not `Name=bool` are ignored (etcd would refuse them itself). */
export function parseFeatureGates(value: string): Record<string, boolean> {
  const gates: Record<string, boolean> = {};
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9]+)=(true|false)$/i.exec(part);
    if (m) gates[m[1]] = m[2].toLowerCase() === 'true';
  }
  return gates;
}

const isTrue = (v: string) => v === '' || v.toLowerCase() === 'true';

export function foldTuning(raw: RawSetting[]): EtcdTuning {
  const tuning: EtcdTuning = { flags: {}, featureGates: {}, deprecated: [], conflicts: [] };
  const spellingsOf = new Map<string, Set<string>>();
  const saw = (setting: string, spelling: string) => {
    const set = spellingsOf.get(setting) ?? new Set<string>();
    set.add(spelling);
    spellingsOf.set(setting, set);
  };
  for (const { name, value } of raw) {
    const old = EXPERIMENTAL_RENAMES[name];
    if (old) {
      if (!tuning.deprecated.some((d) => d.spelling === name)) tuning.deprecated.push({ spelling: name, replacement: old });
      if ('featureGate' in old) {
        tuning.featureGates[old.featureGate] = { enabled: isTrue(value), spelling: name };
        saw(`gate:${old.featureGate}`, name);
      } else {
        tuning.flags[old.flag] = { value, spelling: name };
        saw(`flag:${old.flag}`, name);
      }
    } else if (name === 'feature-gates') {
      for (const [gate, enabled] of Object.entries(parseFeatureGates(value))) {
        tuning.featureGates[gate] = { enabled, spelling: 'feature-gates' };
        saw(`gate:${gate}`, 'feature-gates');
      }
    } else if (Object.values(EXPERIMENTAL_RENAMES).some((r) => 'flag' in r && r.flag === name)) {
      tuning.flags[name] = { value, spelling: name };
      saw(`flag:${name}`, name);
    }
  }
  for (const [setting, spellings] of spellingsOf) {
    const list = [...spellings];
    const oldOne = list.find((s) => EXPERIMENTAL_RENAMES[s]);
    const newOne = list.find((s) => !EXPERIMENTAL_RENAMES[s]);
    if (oldOne && newOne) tuning.conflicts.push({ setting: setting.replace(/^(gate|flag):/, ''), spellings: [oldOne, newOne] });
  }
  return tuning;
}

export function replacementText(r: Replacement, value?: string): string {
  if ('featureGate' in r) return `--feature-gates=${r.featureGate}=${value === undefined || isTrue(value) ? 'true' : 'false'}`;
  return value === undefined ? `--${r.flag}` : `--${r.flag}=${value}`;
}

/** `3.5.15-0`, `v3.6.14-k3s1-build…` -> [3, 6]; null when the text names no etcd version. */
export function etcdMinorOf(text: string | undefined): [number, number] | null {
  const m = text ? /(?:^|[:v\-_])v?(3)\.(\d+)\.\d+/.exec(text) : null;
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * Findings for old spellings and conflicts. `version` is what the node runs when known (a static pod's image
 * tag): before 3.6 the old spelling is the only one etcd knows (nothing to say), on 3.7 it stops the member
 * from starting. A file the distribution writes itself (`generatedBy`) only gets the conflicts: editing it
 * would not last, and the distribution's own upgrade changes the spelling with its etcd.
 */
export function experimentalFlagFindings(tuning: EtcdTuning, where: { file: string; text?: string; raw: RawSetting[]; generatedBy?: string },
  version?: [number, number] | null): Finding[] {
  const findings: Finding[] = [];
  // Whole flag names only: `…-lease-checkpoint` must not find the line of `…-lease-checkpoint-persist`.
  const lineOf = (name: string) => {
    const re = new RegExp(`(^|[^a-z0-9])${name}($|[^a-z0-9-])`);
    const i = where.text?.split(/\r?\n/).findIndex((l) => re.test(l)) ?? -1;
    return i >= 0 ? i + 1 : undefined;
  };
  const at = (needle: string) => { const line = lineOf(needle); return `${where.file}${line ? `:${line}` : ''}`; };
  const minor = version && version[0] === 3 ? version[1] : null;
  for (const c of tuning.conflicts) {
    findings.push(finding('error', 'etcd-flag-conflict', where.file,
      `${at(c.spellings[0])} sets ${c.setting} twice, as --${c.spellings[0]} and as --${c.spellings[1]}: etcd 3.6 refuses to start with both spellings.`,
      where.generatedBy
        ? `${where.generatedBy} writes --${c.spellings[0]} itself: remove --${c.spellings[1]} from etcd-arg, or upgrade ${where.generatedBy} to a release that writes the new spelling.`
        : `Keep only the new spelling (--${c.spellings[1]}) and remove --${c.spellings[0]}.`,
      { file: { path: where.file, line: lineOf(c.spellings[0]) } }));
  }
  if (where.generatedBy || (minor !== null && minor < 6)) return findings;
  const conflicted = new Set(tuning.conflicts.map((c) => c.spellings[0]));
  for (const d of tuning.deprecated.filter((x) => !conflicted.has(x.spelling))) {
    const value = [...where.raw].reverse().find((r) => r.name === d.spelling)?.value;
    const use = replacementText(d.replacement, value);
    const file = { path: where.file, line: lineOf(d.spelling) };
    if (minor !== null && minor >= 7) {
      findings.push(finding('error', 'etcd-flag-removed', where.file,
        `${at(d.spelling)} sets --${d.spelling}, which etcd 3.${minor} no longer has: this member will not start.`,
        `Replace it with ${use}.`, { file }));
    } else {
      findings.push(finding('warning', 'etcd-flag-deprecated', where.file,
        `${at(d.spelling)} sets --${d.spelling}, deprecated in etcd 3.6: etcd 3.7 no longer has it and a member started with it will not start.`,
        `Replace it with ${use} before upgrading to etcd 3.7 (the new spelling needs etcd 3.6 or later).`, { file }));
    }
  }
  return findings;
}
