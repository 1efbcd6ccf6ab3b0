// `etcd-ops snapshot save FILE` and `etcd-ops snapshot status FILE`: a checked backup from a caught-up member,
// and the whole-file integrity check of a snapshot or of a db (a running member's too, without its lock).
import * as fs from 'node:fs';
import { formatBytes, formatMs } from '../core/format';
import type { SaveResult } from '../core/snapshot/save';
import type { SnapshotStatus } from '../core/snapshot/status';
import { UsageError } from './args';
import { cancelOnSigint } from './cancel-on-sigint';
import { defineCommand } from './command';
import { CONNECTION_OPTIONS, profileFromFlags } from './connection-flags';
import { CliIo, printJson } from './output';

function statusLines(s: SnapshotStatus): string[] {
  const lines = [
    `${s.file}: ${s.ok ? 'OK' : 'DAMAGED'}`,
    `  revision ${s.revision} · ${s.totalKeys} keys (${s.totalEntries} entries, ${s.keyBucketKeys} in the key bucket) · consistent index ${s.consistentIndex ?? '-'}`,
    `  size ${formatBytes(s.size)} by its meta page, file ${formatBytes(s.fileSize)} · hash ${s.hash}${s.version ? ` · storage version ${s.version}` : ''}`,
    `  sha256 trailer: ${s.trailer}${s.sha256 ? ` ${s.sha256}` : ''}`,
    `  pages: ${s.integrity.pagesInUse} in use, ${s.integrity.pagesFree} free, page size ${s.integrity.pageSize ?? '-'}, txid ${s.integrity.txid ?? '-'}, freelist ${s.integrity.freelist} · checked in ${formatMs(s.ms)}`,
  ];
  for (const e of s.integrity.errors) lines.push(`  ERROR ${e}`);
  for (const w of s.integrity.warnings) lines.push(`  note: ${w}`);
  return lines;
}

export const statusCommand = defineCommand({
  summary: 'revision, keys, hash and a whole-file integrity check of a snapshot or db file (read-only, never locks)',
  synopsis: 'FILE [--json]',
  description: `Reads a snapshot file (from "etcd-ops snapshot save" or "etcdctl snapshot save") or a db file, such as a
running member's member/snap/db, without writing or locking it, and prints what etcdutl snapshot status prints
(revision, total keys, size, hash: the same figures) with a check of the whole file: both meta pages and their
checksums, every page reachable exactly once, the freelist consistent with the page graph, keys in order, and the
sha256 trailer that snapshot files carry and restore verifies. Memory stays bounded whatever the file holds.
On a live db that etcd writes while it is read, the answer says so.`,
  positional: 'FILE',
  options: { json: { type: 'boolean', help: 'print the result as JSON' } },
  footer: 'Exit: 0 the file is whole, 1 damaged or unreadable, 2 usage error.',
  async run(args, io) {
    if (!args.positional) throw new UsageError('give the snapshot or db FILE to check');
    const { snapshotStatus } = await import('../core/snapshot/status');
    const status = snapshotStatus(args.positional);
    if (args.values.json) printJson(io, status);
    else io.out(statusLines(status).join('\n'));
    return status.ok ? 0 : 1;
  },
});

function progressPrinter(io: CliIo): (p: { phase: string; bytes: number; totalBytes: number | null; member: { name: string; id: string } | null }) => void {
  let lastAt = 0;
  let lastPhase = '';
  return (p) => {
    const now = Date.now();
    if (p.phase === lastPhase && now - lastAt < 1000) return;
    lastAt = now;
    lastPhase = p.phase;
    if (p.phase === 'choosing') io.err('  … choosing a healthy, caught-up member');
    else if (p.phase === 'streaming') io.err(`  … ${formatBytes(p.bytes)}${p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : ''} from ${p.member?.name || p.member?.id}`);
    else io.err(`  … ${formatBytes(p.bytes)} received; checking the file`);
  };
}

function saveLines(r: SaveResult): string[] {
  if (!r.ok) return [`${r.file}: ${r.refused ? 'REFUSED' : r.cancelled ? 'CANCELLED' : 'FAILED'}: ${r.reason}`, ...(r.choice ? [`  member: ${r.choice}`] : [])];
  return [
    `${r.file}: saved and checked (${formatBytes(r.size ?? 0)}, revision ${r.revision}, ${r.status?.totalKeys ?? '-'} keys) in ${formatMs(r.ms)}`,
    `  from ${r.choice}`,
    `  sha256 ${r.sha256}`,
  ];
}

export const saveCommand = defineCommand({
  summary: 'save a snapshot from a healthy, caught-up member: streamed to FILE.part, fsynced, checked, then renamed',
  synopsis: 'FILE [--yes] [--json] [--max-lag N] [--idle-timeout MS] [connection options]',
  description: `Streams the Snapshot RPC of one member that is healthy and within --max-lag entries of the leader's
commit index (a follower first, to spare the leader; the answer says which and why) into FILE.part, fsyncs it,
checks it as "snapshot status" does (the sha256 trailer etcd appends included), and only then renames it to FILE.
A failed, damaged or cancelled save leaves neither FILE nor FILE.part. An existing FILE is replaced only with
--yes (or a yes on a terminal). Nothing is sent that changes the cluster.`,
  positional: 'FILE',
  options: {
    yes: { type: 'boolean', help: 'replace FILE if it exists' },
    json: { type: 'boolean', help: 'print the result as JSON' },
    'max-lag': { type: 'integer', value: 'N', min: 0, default: 1000, help: 'entries the member may trail the leader\'s commit index' },
    'idle-timeout': { type: 'integer', value: 'MS', min: 1000, default: 10_000, help: 'give up when no data came for this long (the deadline moves with progress)' },
    ...CONNECTION_OPTIONS,
  },
  footer: 'Exit: 0 saved and checked, 1 refused, failed or cancelled (no FILE written), 2 usage error.\n\nCtrl-C cancels and removes FILE.part.',
  async run(args, io) {
    if (!args.positional) throw new UsageError('give the FILE to save the snapshot to');
    const file = args.positional;
    const { json } = args.values;
    let overwrite = args.values.yes;
    if (fs.existsSync(file) && !overwrite && io.interactive && !json) {
      overwrite = /^y(es)?$/i.test((await io.ask(`${file} exists. Replace it once the new snapshot is saved and checked? [y/N] `)).trim());
    }
    const profile = profileFromFlags(args.values);
    const { EndpointPool } = await import('../core/etcd/live-health');
    const { saveSnapshot } = await import('../core/snapshot/save');
    const pool = new EndpointPool(profile);
    const cancellation = cancelOnSigint(io, 'the partial file is removed');
    try {
      const result = await saveSnapshot(pool, file, {
        overwrite, signal: cancellation.signal, maxLagEntries: args.values['max-lag'], idleMs: args.values['idle-timeout'],
        onProgress: json ? undefined : progressPrinter(io),
      });
      if (json) {
        const { status, ...rest } = result;
        printJson(io, { ...rest, totalKeys: status?.totalKeys ?? null, integrity: status?.integrity ?? null });
      } else {
        io.out(saveLines(result).join('\n'));
      }
      return result.ok ? 0 : 1;
    } finally {
      cancellation.dispose();
      pool.close();
    }
  },
});
