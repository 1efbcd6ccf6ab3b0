// Findings tied to a file also go to the Problems view, where editors show them in place.
import * as vscode from 'vscode';
import { Finding } from '../../core/findings';

const severity = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, info: vscode.DiagnosticSeverity.Information };

export class FindingProblems implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('etcd-ops');
  private readonly bySource = new Map<string, Finding[]>();

  /** Replaces the findings one source (e.g. "live:local etcd", "datadir:/var/lib/etcd") contributes. */
  set(source: string, findings: Finding[]): void {
    this.bySource.set(source, findings.filter((f) => f.file));
    this.render();
  }

  private render(): void {
    const perFile = new Map<string, vscode.Diagnostic[]>();
    for (const findings of this.bySource.values()) {
      for (const f of findings) {
        const line = Math.max(0, (f.file!.line ?? 1) - 1);
        const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), `${f.message} — ${f.remediation}`, severity[f.severity]);
        d.source = 'etcd Ops';
        d.code = f.code;
        perFile.set(f.file!.path, [...(perFile.get(f.file!.path) ?? []), d]);
      }
    }
    this.collection.clear();
    for (const [file, diags] of perFile) this.collection.set(vscode.Uri.file(file), diags);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
