// The one shape every diagnosis in the product emits: live health, data dirs, certificates, configs.

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  /** Stable machine-readable code, e.g. `quorum-at-risk`, `single-endpoint-config`. */
  code: string;
  /** What the finding is about: a member name/id, a file path, an endpoint, a node. */
  subject: string;
  message: string;
  /** A concrete next step an operator can take. */
  remediation: string;
  /** Set when the finding points at a file (Problems view, "open file" action). */
  file?: { path: string; line?: number };
  /** A shell command that carries out (part of) the remediation, for "copy command". */
  command?: string;
  /** Transient states (e.g. during joins) that are expected to clear by themselves. */
  transient?: boolean;
}

const order: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function bySeverity(a: Finding, b: Finding): number {
  return order[a.severity] - order[b.severity] || a.code.localeCompare(b.code);
}

export function finding(severity: Severity, code: string, subject: string, message: string, remediation: string,
  extra: Partial<Pick<Finding, 'file' | 'command' | 'transient'>> = {}): Finding {
  return { severity, code, subject, message, remediation, ...extra };
}
