// `etcd-ops compact`: compaction at the current revision minus N, physical.
import { compact, COMPACT_DEFAULTS, CompactResult } from '../core/ops/compact';
import { defineCommand } from './command';
import { MAINTENANCE_FOOTER, MAINTENANCE_OPTIONS, runMaintenance } from './maintenance-command';

export const command = defineCommand({
  summary: 'compact the etcd keyspace at the current revision minus N (physical), through the leader',
  synopsis: '[--keep-revisions N] [--yes | --dry-run] [--json] [connection options]',
  description: `Compacts at the leader's current revision minus --keep-revisions (never past the current one), read again
right before sending, and waits until the compaction is physical. Reports the revision. Compaction frees pages
inside the db; only a defragmentation (etcd-ops defrag) gives the space back to the file system.`,
  options: {
    'keep-revisions': { type: 'integer', value: 'N', min: 0, default: COMPACT_DEFAULTS.keepRevisions, help: 'revisions to keep below the current one' },
    deadline: { type: 'integer', value: 'MS', min: 1000, default: COMPACT_DEFAULTS.deadlineMs, help: 'deadline of the whole operation, in milliseconds' },
    ...MAINTENANCE_OPTIONS,
  },
  footer: MAINTENANCE_FOOTER,
  run: (args, io) => runMaintenance<CompactResult>({
    name: 'compact',
    acts: true,
    question: (p) => `Compact at revision ${(p.currentRevision ?? 0) - p.keepRevisions} or later (current ${p.currentRevision}, keeping ${p.keepRevisions})? Older revisions are gone for good.`,
    needsYes: 'refusing to compact without --yes (older revisions are gone for good); run with --dry-run to see the plan and checks',
    run: (port, options) => compact(port, { ...options, keepRevisions: args.values['keep-revisions'] }),
  }, args.values, io),
});
