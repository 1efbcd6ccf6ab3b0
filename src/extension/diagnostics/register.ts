// Diagnostics commands: diagnose this node, a data dir or certificates, and the panel that shows every
// finding (live health included) with its remediation. Findings tied to a file also go to Problems.
import * as vscode from 'vscode';
import { inspectCertificates, allCertFindings } from '../../core/certs/inspect';
import { diagnoseDataDir, Diagnosis } from '../../core/datadir/diagnose';
import { liveViewForDataDir } from '../../core/datadir/live-view';
import { discover } from '../../core/discovery/discover';
import { Finding } from '../../core/findings';
import { plural } from '../../core/format';
import { App } from '../app';
import { ClusterEntry } from '../cluster-registry';
import { DiagnosticsPanel, FindingSource } from './diagnostics-panel';
import { FindingProblems } from './problems';

/**
 * Buttons the panel offers next to findings an operation can act on. Quorum at risk offers none: the first
 * thing to do is bring the down member back, never to rehearse removing another one.
 */
const actions: Record<string, { title: string; command: string }> = {
  'member-unhealthy': { title: 'Remove member (dry run)…', command: 'etcdOps.removeMemberDryRun' },
  'applied-lag': { title: 'Transfer leadership…', command: 'etcdOps.transferLeadership' },
};
const withActions = (findings: Finding[]) => findings.map((f) => (actions[f.code] ? { ...f, action: actions[f.code] } : f));

/** After a diagnosis, the data dir's state finding offers the join check for that dir. */
const joinAction = (d: Diagnosis) => (f: Finding) => (f.code === `state-${d.state}` && !('action' in f)
  ? { ...f, action: { title: 'Check join readiness…', command: 'etcdOps.checkJoinReadiness', args: [d.dataDir] } } : f);

function diagnosisSource(d: Diagnosis): FindingSource {
  return { title: `Data dir ${d.dataDir}`, summary: `state: ${d.state}${d.memberId ? ` · member ${d.memberId}` : ''}`, findings: withActions(d.findings).map(joinAction(d)) };
}

function liveSource(e: ClusterEntry): FindingSource {
  const h = e.health;
  const q = h?.quorum;
  return {
    title: `Live health: ${e.label}`,
    summary: e.error ? 'error' : q ? `quorum ${q.healthy}/${q.voters}, leader ${h!.members.find((m) => m.isLeader)?.name || h!.leader || 'none'}` : 'not read yet',
    findings: e.error ? [{ severity: 'error', code: 'refresh-failed', subject: e.label, message: e.error, remediation: 'Check the connection settings (endpoints, TLS files).' }] : withActions(h?.findings ?? []),
  };
}

async function pickPath(title: string, folders: boolean, files: boolean): Promise<string | undefined> {
  const uri = await vscode.window.showOpenDialog({ title, canSelectFolders: folders, canSelectFiles: files, canSelectMany: false, openLabel: 'Diagnose' });
  return uri?.[0]?.fsPath;
}

export function registerDiagnostics(app: App): FindingProblems {
  const problems = new FindingProblems();
  const extensionUri = app.context.extensionUri;
  // The tree's last refresh of the configured cluster whose id is the data dir's (never just the first one).
  const liveFor = (dataDir: string) => (walClusterId: string | null) => {
    const clusters = app.registry.list().filter((e) => e.port && !e.simulated)
      .map((e) => ({ label: e.label, health: e.health, dataDir: e.profile?.dataDir }));
    return liveViewForDataDir(clusters, walClusterId, dataDir);
  };
  const runDiagnosis = (dataDir: string, pkiDir?: string): Diagnosis => {
    const d = diagnoseDataDir({ dataDir, pkiDir, liveFor: liveFor(dataDir) });
    problems.set(`datadir:${dataDir}`, d.findings);
    return d;
  };
  const report = (err: unknown, what: string) => void vscode.window.showErrorMessage(`${what}: ${(err as Error).message}`);

  app.context.subscriptions.push(problems,
    app.registry.onDidChange((e) => {
      if (!e) {
        const live = new Set(app.registry.list().map((x) => liveSource(x).title));
        DiagnosticsPanel.retain((title) => !title.startsWith('Live health: ') || live.has(title));
        return;
      }
      problems.set(`live:${e.key}`, e.health?.findings ?? []);
      DiagnosticsPanel.update(liveSource(e));
    }),
    vscode.commands.registerCommand('etcdOps.showDiagnostics', () => {
      const panel = DiagnosticsPanel.show(extensionUri);
      for (const e of app.registry.list().filter((x) => x.port)) DiagnosticsPanel.update(liveSource(e));
      return panel;
    }),
    vscode.commands.registerCommand('etcdOps.diagnoseDataDir', async (arg?: vscode.Uri | string) => {
      const dir = typeof arg === 'string' ? arg : arg?.fsPath ?? (await pickPath('etcd data directory (read-only)', true, false));
      if (!dir) return undefined;
      try {
        const d = runDiagnosis(dir);
        DiagnosticsPanel.show(extensionUri, diagnosisSource(d));
        return d;
      } catch (err) { report(err, `Cannot diagnose ${dir}`); return undefined; }
    }),
    vscode.commands.registerCommand('etcdOps.inspectCertificates', async (arg?: vscode.Uri | string) => {
      const target = typeof arg === 'string' ? arg : arg?.fsPath ?? (await pickPath('Certificate file or directory', true, true));
      if (!target) return undefined;
      try {
        const r = inspectCertificates(target);
        const findings = allCertFindings(r);
        problems.set(`certs:${target}`, findings);
        DiagnosticsPanel.show(extensionUri, { title: `Certificates ${target}`, summary: `${plural(r.certificates.length, 'certificate')}${r.distro ? ` · ${r.distro}` : ''}`, findings });
        return r;
      } catch (err) { report(err, `Cannot inspect ${target}`); return undefined; }
    }),
    vscode.commands.registerCommand('etcdOps.diagnoseThisNode', () => {
      const found = discover({ root: process.env.ETCD_OPS_DISCOVERY_ROOT || '/' });
      const configured = app.registry.list().map((e) => e.profile?.dataDir).filter((d): d is string => Boolean(d));
      const dataDirs = [...new Set([...configured, ...found.profiles.map((p) => p.dataDir).filter((d): d is string => Boolean(d))])];
      const sources: FindingSource[] = [{ title: 'This node', summary: found.distro ? `${found.distro} (${found.role})` : 'no distribution found', findings: found.findings }];
      problems.set('discovery', found.findings);
      for (const dir of dataDirs) {
        try { sources.push(diagnosisSource(runDiagnosis(dir))); } catch (err) {
          sources.push({ title: `Data dir ${dir}`, summary: 'unreadable', findings: [{ severity: 'error', code: 'datadir-unreadable', subject: dir, message: (err as Error).message, remediation: 'Check the path and that this user may read it.' }] });
        }
      }
      if (!dataDirs.length) void vscode.window.showInformationMessage('No etcd data directory known on this node: use "Diagnose data directory…" to pick one.');
      for (const s of sources) DiagnosticsPanel.show(extensionUri, s);
      return sources;
    }),
  );
  return problems;
}
