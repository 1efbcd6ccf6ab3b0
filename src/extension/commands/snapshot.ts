// "Save Snapshot…" and "Inspect Snapshot File…". The core saves (a caught-up member, FILE.part, fsync, check,
// rename) and checks; this file asks where, shows progress in bytes with a Cancel button (the partial file is
// removed by the core), logs the outcome to the audit channel, and shows the integrity result in a panel.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatBytes, formatMs } from '../../core/format';
import type { SaveProgress } from '../../core/snapshot/save';
import type { SnapshotStatus } from '../../core/snapshot/status';
import { App } from '../app';
import { ClusterEntry } from '../cluster-registry';
import { webviewHtml } from '../panels/webview-html';
import { snapshotReportHtml } from '../panels/snapshot-report';

type RealEntry = ClusterEntry & { profile: NonNullable<ClusterEntry['profile']> };

async function pickRealCluster(app: App): Promise<RealEntry | undefined> {
  const entries = app.registry.list().filter((e): e is RealEntry => !e.simulated && e.profile !== null);
  if (!entries.length) { void vscode.window.showWarningMessage('Save Snapshot: no etcd cluster is connected (a simulated cluster has no data to save).'); return undefined; }
  if (entries.length === 1) return entries[0];
  const pick = await vscode.window.showQuickPick(entries.map((e) => ({ label: e.label, description: e.profile.endpoints.join(', '), entry: e })), { title: 'Snapshot of which cluster?' });
  return pick?.entry;
}

function defaultName(entry: RealEntry): string {
  const stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\..*$/, '');
  return `etcd-snapshot-${entry.label.replace(/[^\w.-]+/g, '_')}-${stamp}.db`;
}

function showReport(app: App, status: SnapshotStatus): void {
  const panel = vscode.window.createWebviewPanel('etcdOps.snapshotReport', `Snapshot: ${path.basename(status.file)}`, vscode.ViewColumn.Active, {
    enableScripts: false, localResourceRoots: [vscode.Uri.joinPath(app.context.extensionUri, 'media')],
  });
  panel.iconPath = vscode.Uri.joinPath(app.context.extensionUri, 'media', 'etcd.svg');
  panel.webview.html = webviewHtml(panel.webview, app.context.extensionUri, { title: 'etcd Snapshot', styles: ['webview.css'], body: snapshotReportHtml(status) });
}

async function saveSnapshotCommand(app: App): Promise<void> {
  const entry = await pickRealCluster(app);
  if (!entry) return;
  const target = await vscode.window.showSaveDialog({
    title: `Save a snapshot of ${entry.label}`, saveLabel: 'Save Snapshot',
    defaultUri: vscode.Uri.file(path.join(os.homedir(), defaultName(entry))), filters: { 'etcd snapshot': ['db'], 'All files': ['*'] },
  });
  if (!target) return;
  const file = target.fsPath;
  // The save dialog has already asked before an existing file is chosen; it is still replaced only after the
  // new snapshot passed its check.
  const overwrite = fs.existsSync(file);
  const { EndpointPool } = await import('../../core/etcd/live-health');
  const { saveSnapshot } = await import('../../core/snapshot/save');
  const pool = new EndpointPool(entry.profile);
  try {
    const result = await vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, cancellable: true, title: `Snapshot of ${entry.label}`,
    }, async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      let reported = 0;
      const onProgress = (p: SaveProgress) => {
        if (p.phase === 'choosing') { progress.report({ message: 'choosing a healthy, caught-up member…' }); return; }
        if (p.phase === 'checking') { progress.report({ message: `${formatBytes(p.bytes)} received; checking the file…` }); return; }
        const share = p.totalBytes ? Math.min(100, (p.bytes / p.totalBytes) * 100) : 0;
        progress.report({ increment: Math.max(0, share - reported), message: `${formatBytes(p.bytes)}${p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : ''} from ${p.member?.name || p.member?.id}` });
        reported = Math.max(reported, share);
      };
      try {
        return await saveSnapshot(pool, file, { overwrite, signal: abort.signal, onProgress });
      } finally {
        sub.dispose();
      }
    });
    const who = result.fromMember ? `${result.fromMember.name || result.fromMember.id} (${result.fromMember.role})` : 'no member';
    if (result.ok) {
      app.log.info(`snapshot of ${entry.label} saved to ${file}: ${result.size} bytes, revision ${result.revision}, sha256 ${result.sha256}, from ${result.choice}, in ${formatMs(result.ms)}`);
      const open = await vscode.window.showInformationMessage(`Snapshot saved and checked: ${path.basename(file)} (${formatBytes(result.size ?? 0)}, revision ${result.revision}) from ${who}.`, 'Inspect');
      if (open && result.status) showReport(app, result.status);
    } else {
      app.log.warn(`snapshot of ${entry.label} to ${file} ${result.cancelled ? 'cancelled' : result.refused ? 'refused' : 'FAILED'}: ${result.reason}${result.choice ? ` (member: ${result.choice})` : ''}`);
      const say = result.cancelled ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
      void say(`Snapshot ${result.cancelled ? 'cancelled' : result.refused ? 'refused' : 'failed'}: ${result.reason}`);
    }
  } finally {
    pool.close();
  }
}

async function inspectSnapshotCommand(app: App, uri?: vscode.Uri): Promise<void> {
  const file = uri?.fsPath ?? (await vscode.window.showOpenDialog({
    title: 'Inspect a snapshot or db file', canSelectMany: false, openLabel: 'Inspect', filters: { 'etcd snapshot or db': ['db', '*'] },
  }))?.[0]?.fsPath;
  if (!file) return;
  const { snapshotStatus } = await import('../../core/snapshot/status');
  try {
    const status = snapshotStatus(file);
    app.log.info(`inspected ${file}: ${status.ok ? 'whole' : `DAMAGED (${status.integrity.errors.length} problems)`}, revision ${status.revision}, ${status.totalKeys} keys`);
    showReport(app, status);
  } catch (err) {
    void vscode.window.showErrorMessage(`Inspect Snapshot File: ${(err as Error).message}`);
  }
}

export function registerSnapshotCommands(app: App): void {
  app.context.subscriptions.push(
    vscode.commands.registerCommand('etcdOps.saveSnapshot', () => saveSnapshotCommand(app)),
    vscode.commands.registerCommand('etcdOps.inspectSnapshot', (uri?: vscode.Uri) => inspectSnapshotCommand(app, uri instanceof vscode.Uri ? uri : undefined)),
  );
}
