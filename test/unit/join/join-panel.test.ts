// A join-check result in the diagnostics panel: blockers as errors with their command to copy, then the
// target and the steps; and the panel's "Check join readiness…" button on a data dir, with an absolute path only.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { JoinCheckResult } from '../../../src/core/join/join-check';
import { joinFindings, joinSummary } from '../../../src/core/join/join-findings';
import { PanelActions } from '../../../src/extension/diagnostics/panel-actions';

const result: JoinCheckResult = {
  ready: false, distro: 'k3s', notes: [], diagnosis: null,
  target: { id: '2a', name: 'm2', clientURL: 'https://10.0.0.2:2379', joinAddress: 'https://10.0.0.2:9345', why: 'a caught-up follower' },
  blockers: [{ code: 'datadir-removed', message: 'removed', remediation: 'move it aside', command: 'systemctl stop k3s && mv /d /d.bak-$(date +%Y%m%d%H%M%S)' }],
  steps: [{ where: 'this node', text: 'Stop k3s.', command: 'systemctl stop k3s' }, { where: 'any', text: 'Check.' }],
};

it('blockers first, as errors with their command; then the target and each step in order', () => {
  const f = joinFindings(result, 'prod');
  assert.deepEqual(f.map((x) => [x.severity, x.code]), [['error', 'datadir-removed'], ['info', 'join-target'], ['info', 'join-step-1'], ['info', 'join-step-2']]);
  assert.equal(f[0].command, result.blockers[0].command);
  assert.match(f[1].message, /Join through m2 \(2a\) at https:\/\/10\.0\.0\.2:2379; k3s join address https:\/\/10\.0\.0\.2:9345/);
  assert.match(f[2].remediation, /Clear the blockers above first/);
  assert.equal(f[3].command, undefined);
  assert.equal(joinSummary(result), 'k3s: not ready (datadir-removed) · target m2');
  assert.equal(joinSummary({ ...result, ready: true, blockers: [] }), 'k3s: ready to join · target m2');
});

it('the panel offers the join check for an absolute data dir only', () => {
  const actions = new PanelActions();
  const action = (dir: string) => ({ severity: 'error' as const, code: 'state-removed', subject: dir, message: 'm', remediation: 'r',
    action: { title: 'Check join readiness…', command: 'etcdOps.checkJoinReadiness', args: [dir] } });
  const shown = actions.present([{ title: 'Data dir', findings: [action('/var/lib/etcd'), action('var/lib/etcd')] }]);
  const run = shown[0].findings[0].ui.run!;
  assert.deepEqual(actions.resolve({ type: 'run', id: run.id }), { kind: 'run', command: 'etcdOps.checkJoinReadiness', args: ['/var/lib/etcd'] });
  assert.equal(shown[0].findings[1].ui.run, undefined);
});
