// "Check Join Readiness…": the palette command, and the panel's button on a diagnosed data dir. Asks which
// cluster, data dir and distro, runs the read-only core check with cancellable progress, shows the blockers,
// target and steps in the diagnostics panel, and writes the outcome to the audit log.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { distroFromPath } from '../../core/certs/layouts';
import { distroLabel, JOIN_DISTROS, JoinDistro } from '../../core/join/distro-steps';
import { checkJoin } from '../../core/join/join-check';
import { joinFindings, joinSummary } from '../../core/join/join-findings';
import { App } from '../app';
import { ClusterEntry } from '../cluster-registry';
import { DiagnosticsPanel } from '../diagnostics/diagnostics-panel';

type RealEntry = ClusterEntry & { port: NonNullable<ClusterEntry['port']> };

/** Join readiness is about this machine's files and a real cluster: simulated clusters are not offered. */
async function pickRealCluster(app: App): Promise<RealEntry | undefined> {
  const entries = app.registry.list().filter((e): e is RealEntry => e.port !== null && !e.simulated);
  if (!entries.length) {
    void vscode.window.showWarningMessage('Check Join Readiness: add the cluster this node should join first (its endpoints and TLS files).', 'Add endpoints…')
      .then((a) => { if (a) void vscode.commands.executeCommand('etcdOps.addEndpoints'); });
    return undefined;
  }
  if (entries.length === 1) return entries[0];
  const pick = await vscode.window.showQuickPick(entries.map((e) => ({ label: e.label, description: e.profile?.endpoints.join(', '), entry: e })),
    { title: 'Check Join Readiness: which cluster should this node join?' });
  return pick?.entry;
}

async function pickDataDir(given: string | undefined): Promise<string | null | undefined> {
  if (given) return given;
  const pick = await vscode.window.showQuickPick([
    { label: 'Pick this node\'s etcd data dir…', pick: true },
    { label: 'No data dir yet (a fresh node)', pick: false },
  ], { title: 'Check Join Readiness: this node\'s etcd data dir (read only, never changed)' });
  if (!pick) return undefined;
  if (!pick.pick) return null;
  const uri = await vscode.window.showOpenDialog({ title: 'etcd data directory (read-only)', canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Check' });
  return uri?.[0]?.fsPath;
}

async function pickDistro(dataDir: string | null, entry: RealEntry): Promise<JoinDistro | undefined> {
  const guess = (dataDir ? distroFromPath(`${path.resolve(dataDir)}/`) : null) ?? (JOIN_DISTROS as readonly string[]).find((d) => d === entry.profile?.distro) as JoinDistro | undefined;
  const items = JOIN_DISTROS.map((d) => ({ label: distroLabel(d), description: d === guess ? 'from the data dir / profile' : undefined, distro: d }));
  if (guess) items.sort((a, b) => Number(b.distro === guess) - Number(a.distro === guess));
  return (await vscode.window.showQuickPick(items, { title: 'Check Join Readiness: the distribution this node runs' }))?.distro;
}

export function registerJoinCheckCommand(app: App): void {
  app.context.subscriptions.push(vscode.commands.registerCommand('etcdOps.checkJoinReadiness', async (arg?: vscode.Uri | string) => {
    const entry = await pickRealCluster(app);
    if (!entry) return undefined;
    const given = typeof arg === 'string' ? arg : arg?.fsPath;
    // The distro first: the file dialog, when there is one, is the last question.
    const distro = await pickDistro(given ?? null, entry);
    if (!distro) return undefined;
    const dataDir = await pickDataDir(given);
    if (dataDir === undefined) return undefined;
    try {
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking whether this node can join ${entry.label}…`, cancellable: true },
        (_progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort(new Error('cancelled')));
          return checkJoin(entry.port, {
            distro, dataDir,
            timeoutMs: entry.profile?.timeoutMs ?? 2000, signal: abort.signal,
            root: process.env.ETCD_OPS_DISCOVERY_ROOT || '/',
          });
        });
      app.log.info(`join-check on ${entry.label} (${distro}): ${result.ready ? 'ready' : `not ready: ${result.blockers.map((b) => b.code).join(', ')}`}`
        + `${result.target ? `; target ${result.target.name} (${result.target.id})` : '; no target'}`);
      for (const n of result.notes) app.log.info(`  read: ${n}`);
      DiagnosticsPanel.show(app.context.extensionUri, { title: `Join readiness: ${entry.label}`, summary: joinSummary(result), findings: joinFindings(result, entry.label) });
      return result;
    } catch (err) {
      void vscode.window.showErrorMessage(`Check Join Readiness: ${(err as Error).message}`);
      return undefined;
    }
  }));
}
