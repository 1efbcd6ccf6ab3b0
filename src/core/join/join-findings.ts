// A join-check result in the product's one Finding shape, for the diagnostics panel: blockers as errors
// (with the command to copy), then the target and each step, in order.
import { Finding, finding } from '../findings';
import { distroLabel } from './distro-steps';
import { JoinCheckResult } from './join-check';

export function joinFindings(r: JoinCheckResult, subject: string): Finding[] {
  const out: Finding[] = r.blockers.map((b) => finding('error', b.code, subject, b.message, b.remediation, b.command ? { command: b.command } : {}));
  if (r.target) {
    const t = r.target;
    out.push(finding('info', 'join-target', `${t.name} (${t.id})`,
      `Join through ${t.name} (${t.id}) at ${t.clientURL}${t.joinAddress && t.joinAddress !== t.clientURL ? `; ${distroLabel(r.distro)} join address ${t.joinAddress}` : ''}.`,
      `Chosen from live health: ${t.why}.`));
  }
  r.steps.forEach((s, i) => {
    out.push(finding('info', `join-step-${i + 1}`, s.where, `Step ${i + 1} of ${r.steps.length} (${s.where}): ${s.text}`,
      r.ready || i > 0 ? 'Then the next step.' : 'Clear the blockers above first.', s.command ? { command: s.command } : {}));
  });
  return out;
}

/** The panel's one-line summary of a result. */
export function joinSummary(r: JoinCheckResult): string {
  return `${distroLabel(r.distro)}: ${r.ready ? 'ready to join' : `not ready (${r.blockers.map((b) => b.code).join(', ')})`}${r.target ? ` · target ${r.target.name}` : ''}`;
}
