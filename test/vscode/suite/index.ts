// Runs inside VS Code's extension host (bundled by test/vscode/electron.test.ts).
import assert from 'node:assert/strict';
import * as vscode from 'vscode';

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 15000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension('etcd-ops.etcd-ops');
  assert.ok(ext, 'extension present');
  await vscode.commands.executeCommand('etcdOps.clusters.focus');
  const app = await ext!.activate();
  const commands = await vscode.commands.getCommands(true);
  for (const c of ['etcdOps.refresh', 'etcdOps.transferLeadership', 'etcdOps.removeMember', 'etcdOps.addEndpoints']) {
    assert.ok(commands.includes(c), `${c} registered`);
  }
  const entry = await waitFor('three healthy members', () => {
    const e = app.registry.list()[0];
    return e?.health?.members.filter((m: { healthy: boolean }) => m.healthy).length === 3 ? e : undefined;
  });
  const leader = entry.health.members.find((m: { isLeader: boolean }) => m.isLeader);
  assert.equal(leader.name, process.env.ETCD_OPS_TEST_LEADER);
}
