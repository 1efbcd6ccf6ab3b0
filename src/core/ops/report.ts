// Plain-text rendering of an operation's plan, checks, steps and outcome: the CLI prints it, the VS Code
// layer can put it in an output channel. ✓ passed, ✗ refused/failed, ! warning, - skipped.
import { formatMs } from '../format';
import { MemberInfo } from '../port';
import { OpCheck, OpResult, OpStep } from './types';

function checkMark(c: OpCheck): string {
  if (c.ok) return '✓';
  return c.severity === 'warning' ? '!' : '✗';
}

function stepMark(s: OpStep): string {
  return s.status === 'done' ? '✓' : s.status === 'failed' ? '✗' : '-';
}

const pad = (s: string, n: number) => s.padEnd(n);

export function renderPlan(r: Pick<OpResult, 'plan'>): string[] {
  return ['Plan:', ...r.plan.map((p, i) => `  ${i + 1}. ${p}`)];
}

export function renderChecks(checks: OpCheck[]): string[] {
  const w = Math.max(0, ...checks.map((c) => c.name.length));
  return ['Checks:', ...checks.map((c) => `  ${checkMark(c)} ${pad(c.name, w)}  ${c.detail}`)];
}

export function renderSteps(steps: OpStep[]): string[] {
  const w = Math.max(0, ...steps.map((s) => s.name.length));
  return ['Steps:', ...steps.map((s) => `  ${stepMark(s)} ${pad(s.name, w)}  ${pad(s.status === 'skipped' ? '' : formatMs(s.ms), 8)}  ${s.detail}`.trimEnd())];
}

function memberNames(list: MemberInfo[] | null): string {
  if (!list) return 'unknown (no member answered)';
  return list.map((m) => `${m.name || '(unstarted)'} ${m.id}${m.isLearner ? ' (learner)' : ''}`).join(', ') || 'none';
}

export function outcomeWord(r: OpResult): string {
  if (r.ok) return r.dryRun ? 'DRY RUN OK' : 'OK';
  if (r.outcomeUnknown) return 'OUTCOME UNKNOWN';
  if (r.cancelled) return 'CANCELLED';
  return r.refused ? 'REFUSED' : 'FAILED';
}

/** The whole report; `withPreview` false leaves out plan and checks (already shown before a confirmation). */
export function renderReport(r: OpResult, withPreview = true): string {
  const lines: string[] = [];
  if (withPreview) {
    if (r.plan.length) lines.push(...renderPlan(r), '');
    if (r.checks.length) lines.push(...renderChecks(r.checks), '');
  }
  if (r.steps.length) lines.push(...renderSteps(r.steps), '');
  const extras: string[] = [];
  if (r.transferMs !== undefined) extras.push(`transfer ${formatMs(r.transferMs)}`);
  if (r.leaderlessMs !== undefined) extras.push(`leaderless ${formatMs(r.leaderlessMs)}`);
  extras.push(`total ${formatMs(r.durationMs)}`);
  lines.push(`${outcomeWord(r)}: ${r.reason} (${extras.join(', ')})`);
  lines.push(`members before: ${memberNames(r.membersBefore)}`);
  if (!r.dryRun && !r.refused) lines.push(`members after:  ${memberNames(r.membersAfter)}`);
  return lines.join('\n');
}
