// The simulator's commands: open the panel, rehearse an operation on the imported topology of a cluster in
// the tree, and attach the embedded simulated cluster to the tree (also at activation when nothing else is
// configured and etcdOps.simulator.attachWhenEmpty is on).
import * as vscode from 'vscode';
import { MemberHealth } from '../../core/cluster-model';
import { formatMs } from '../../core/format';
import { App } from '../app';
import { ClusterEntry } from '../cluster-registry';
import { SECTION } from '../settings';
import { memberNodeOf, MemberNode } from '../tree/command-target';
import { DEFAULTS } from './controller';
import { EmbeddedClusterPort } from './embedded-cluster';
import { RehearsalOp } from './rehearsal';
import { SimulatorPanel } from './simulator-panel';

export const SIMULATED_KEY = 'sim:default';
const SIMULATED_LABEL = 'simulated cluster';

type EtcdEntry = ClusterEntry & { port: NonNullable<ClusterEntry['port']> };
const hasPort = (e: ClusterEntry): e is EtcdEntry => e.port !== null;

function simulatedMembers(): number {
  const n = vscode.workspace.getConfiguration(SECTION).get<number>('simulator.members', 3);
  return Math.max(1, Math.min(9, Math.floor(Number.isFinite(n) ? n : 3)));
}

/** Puts the embedded simulated cluster into the tree (no-op when it is there already). */
function attachSimulated(app: App): ClusterEntry {
  const existing = app.registry.get(SIMULATED_KEY);
  if (existing) return existing;
  const entry = app.registry.attach(SIMULATED_KEY, SIMULATED_LABEL, new EmbeddedClusterPort({ members: simulatedMembers() }), true);
  void vscode.commands.executeCommand('setContext', 'etcdOps.configured', true);
  void app.registry.refresh(entry);
  app.log.info(`attached the embedded simulated cluster (${simulatedMembers()} members)`);
  return entry;
}

async function pickCluster(app: App): Promise<EtcdEntry | undefined> {
  const entries = app.registry.list().filter(hasPort);
  if (!entries.length) {
    void vscode.window.showWarningMessage('Rehearse: no cluster in the tree. Add endpoints, or open a simulated cluster.');
    return undefined;
  }
  if (entries.length === 1) return entries[0];
  const pick = await vscode.window.showQuickPick(entries.map((e) => ({ label: e.label, description: e.simulated ? 'simulated' : e.profile?.endpoints.join(', '), entry: e })), { title: 'Rehearse on which cluster?' });
  return pick?.entry;
}

async function pickMember(members: MemberHealth[]): Promise<MemberHealth | undefined> {
  const items = members.filter((m) => m.id).map((m) => ({
    label: m.name || '(unstarted)',
    description: `${m.id}${m.isLeader ? ' · leader' : m.isLearner ? ' · learner' : ''}${m.healthy ? '' : ' · unhealthy'}`,
    member: m,
  }));
  return (await vscode.window.showQuickPick(items, { title: 'Rehearse an operation on which member?', matchOnDescription: true }))?.member;
}

async function pickOperation(m: MemberHealth): Promise<RehearsalOp | undefined> {
  const name = m.name || m.id!;
  const items: { label: string; description?: string; op: RehearsalOp }[] = [
    { label: `Remove ${name}`, description: m.isLeader ? 'it leads: the safe plan transfers leadership first' : undefined, op: 'remove-member' },
    { label: `Transfer leadership to ${name}`, description: m.isLeader ? 'it already leads: expect a refusal' : m.isLearner ? 'a learner cannot lead: expect a refusal' : undefined, op: 'move-leader' },
  ];
  return (await vscode.window.showQuickPick(items, { title: `Rehearse on a simulated copy of the cluster: ${name}` }))?.op;
}

async function rehearse(app: App, node?: MemberNode): Promise<void> {
  const entry = node?.entry && hasPort(node.entry) ? node.entry : await pickCluster(app);
  if (!entry) return;
  let health = entry.health;
  if (!health) {
    try { health = await entry.port.snapshot(); } catch (err) {
      void vscode.window.showErrorMessage(`Rehearse: could not read ${entry.label}: ${(err as Error).message}`);
      return;
    }
  }
  const member = node?.member ?? (await pickMember(health.members));
  if (!member?.id) return;
  const op = await pickOperation(member);
  if (!op) return;
  const panel = SimulatorPanel.show(app.context.extensionUri);
  app.log.info(`rehearsal: ${op} ${member.name || member.id} on a simulated copy of ${entry.label} (${health.members.length} members)`);
  let plans;
  try {
    plans = await panel.controller.rehearse({ health, op, target: member.id, maxLagEntries: app.settings().maxAppliedLag }, entry.label, DEFAULTS.seed, DEFAULTS.runs);
  } catch (err) {
    void vscode.window.showErrorMessage(`Rehearse: ${(err as Error).message}`);
    return;
  }
  for (const p of plans) {
    app.log.info(`  rehearsal ${p.label}: ${p.okRuns}/${p.runs} runs without error, quorum lost in ${p.quorumLostRuns}, `
      + `leaderless p50 ${formatMs(p.leaderlessMs.p50)} p95 ${formatMs(p.leaderlessMs.p95)} max ${formatMs(p.leaderlessMs.max)} (worst seed ${p.worstSeed})`);
  }
}

export function registerSimulator(app: App): void {
  let autoAttached = false;
  const attachWhenEmpty = () => {
    const s = app.settings();
    if (s.simulateWhenEmpty && s.profiles.length === 0 && !app.registry.get(SIMULATED_KEY)) {
      attachSimulated(app);
      autoAttached = true;
    } else if (autoAttached && s.profiles.length > 0) {
      // A real cluster is configured now: the stand-in that was only there because nothing was goes away.
      app.registry.detach(SIMULATED_KEY);
      autoAttached = false;
    }
  };
  app.context.subscriptions.push(
    vscode.commands.registerCommand('etcdOps.openSimulator', () => { SimulatorPanel.show(app.context.extensionUri); }),
    vscode.commands.registerCommand('etcdOps.rehearse', (target?: unknown) => rehearse(app, memberNodeOf(target))),
    vscode.commands.registerCommand('etcdOps.attachSimulated', () => { autoAttached = false; attachSimulated(app); }),
    // After extension.ts re-read the settings (its listener was registered first).
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration(SECTION)) setImmediate(attachWhenEmpty); }),
  );
  attachWhenEmpty();
}
