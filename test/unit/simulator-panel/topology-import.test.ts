// The imported topology: what the simulator starts from when an operation is rehearsed on a real cluster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimatePeerLatencyMs, importTopology } from '../../../src/extension/simulator/topology-import';
import { buildRehearsalSim } from '../../../src/extension/simulator/rehearsal';
import { health, THREE } from './health-fixture';

test('a healthy 3-member cluster: members, ids, names and leader carry over, terms and indexes too', () => {
  const h = health();
  const t = importTopology(h);
  assert.deepEqual(t.spec.members.map((m) => [m.id, m.name, m.running, m.learner]), THREE.map((m) => [m.id, m.name, true, false]));
  assert.equal(t.spec.leader, 0);
  assert.equal(t.spec.term, 7);
  assert.equal(t.spec.index, 48210);
  assert.equal(t.names.get('91bc3c398fb3c146'), 'etcd-b');
  assert.match(t.notes[0], /^etcd-a \(8e9e05c52164694d\): leader, term 7, applied 48210$/);
  // Built into a simulation, the same members answer with the same ids and the same leader.
  const { sim } = buildRehearsalSim(t, 1);
  assert.deepEqual(sim.members.map((m) => m.id), THREE.map((m) => m.id));
  assert.equal(sim.members[sim.writableLeader()].name, 'etcd-a');
  assert.equal(sim.nodes[0].term, 7);
});

test('down, learner and never-started members are imported as such', () => {
  const h = health([
    { name: 'etcd-a', id: 'a1', latencyMs: 3 },
    { name: 'etcd-b', id: 'b2', leader: true, latencyMs: 3 },
    { name: 'etcd-c', id: 'c3', healthy: false },
    { name: 'etcd-d', id: 'd4', learner: true, latencyMs: 3 },
    { name: 'etcd-e', id: 'e5', started: false },
  ]);
  const t = importTopology(h);
  const byId = new Map(t.spec.members.map((m) => [m.id, m]));
  assert.equal(byId.get('c3')!.running, false, 'an unreachable member is simulated as down');
  assert.equal(byId.get('d4')!.learner, true);
  assert.equal(byId.get('e5')!.started, false);
  assert.equal(byId.get('e5')!.running, false);
  assert.equal(t.spec.leader, 1);
  assert.match(t.notes.find((n) => n.startsWith('etcd-c'))!, /down in the simulation \(https:\/\/10\.0\.0\.3:2379: status: connection refused\)/);
  assert.match(t.notes.find((n) => n.startsWith('e5'))!, /added but never started/);
  const { sim } = buildRehearsalSim(t, 1);
  assert.equal(sim.members[2].running, false);
  assert.equal(sim.nodes[3].isLearner(), true);
  assert.equal(sim.members[1].name, 'etcd-b');
});

test('a snapshot without a healthy leader opens with an election; a member without id is left out', () => {
  const h = health([{ name: 'etcd-a', id: 'a1', leader: true, healthy: false }, { name: 'etcd-b', id: 'b2' }, { name: 'etcd-c', id: 'c3' }]);
  h.members.push({ ...h.members[1], id: null, name: '', endpoint: 'https://10.0.0.9:2379' });
  const t = importTopology(h);
  assert.equal(t.spec.leader, null);
  assert.equal(t.spec.members.length, 3);
  assert.ok(t.notes.some((n) => /no healthy leader/.test(n)));
  assert.ok(t.notes.some((n) => /https:\/\/10\.0\.0\.9:2379 is left out/.test(n)));
});

test('peer latency: half the median status round trip, within bounds', () => {
  assert.equal(estimatePeerLatencyMs(health()), 1.1);
  assert.equal(estimatePeerLatencyMs(health([{ name: 'a', id: 'a', latencyMs: 0.1 }])), 0.2);
  assert.equal(estimatePeerLatencyMs(health([{ name: 'a', id: 'a', latencyMs: 400 }])), 50);
  assert.equal(estimatePeerLatencyMs(health([{ name: 'a', id: 'a', healthy: false }])), 1);
});

test('the imported cluster\'s version picks the rules; the notes and the session info say which', async () => {
  const t = importTopology(health()); // every member reports 3.4.23
  assert.equal(t.rules.version, '3.4');
  assert.equal(t.rules.source, 'topology');
  assert.match(t.notes[t.notes.length - 1], /^etcd 3\.4 rules \(the imported cluster runs 3\.4\.23\): pre-vote off/);
  const { sim } = buildRehearsalSim(t, 1);
  assert.equal(sim.rules.version, '3.4');
  assert.equal(sim.timing.preVote, false);
  const { SimSession } = await import('../../../src/extension/simulator/session');
  const session = new SimSession({ info: { kind: 'rehearsal', title: 't', subtitle: '', seed: 1, scenario: null, notes: [] }, build: () => buildRehearsalSim(t, 1) },
    { reset() {}, history() {}, op() {}, error() {} });
  session.start();
  assert.match(session.info.rules, /^etcd 3\.4 rules/);
  session.dispose();
  const h = health();
  for (const m of h.members) if (m.status) m.status.version = '3.6.14-k3s1';
  const k3s = importTopology(h);
  assert.equal(k3s.rules.version, '3.6');
  assert.equal(buildRehearsalSim(k3s, 1).sim.timing.preVote, true);
});
