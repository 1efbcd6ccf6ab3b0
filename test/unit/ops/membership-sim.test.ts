// add-member, promote-member and replace-member on the simulator (SimPort: etcd's strict checks, one
// learner at a time, promotion at 90 % of the leader's match), in virtual time, through the same engine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addMember } from '../../../src/core/ops/add-member';
import { promoteMember } from '../../../src/core/ops/promote-member';
import { replaceMember } from '../../../src/core/ops/replace-member';
import { Sim } from '../../../src/core/sim/engine';
import { SimPort } from '../../../src/core/sim/sim-port';
import { RecordingPort } from './recording-port';

function cluster(n: number, seed = 5): { sim: Sim; sp: SimPort; port: RecordingPort } {
  const sim = new Sim({ seed, writeIntervalMs: 100 }, { members: Array.from({ length: n }, () => ({})), leader: 0 });
  const sp = new SimPort(sim);
  return { sim, sp, port: new RecordingPort(sp) };
}

const url = (i: number) => `https://10.0.0.${i}:2380`;

describe('membership operations (simulator)', () => {
  it('adds a learner with the env etcd needs, then promotes it once it has caught up', async () => {
    const { sim, sp, port } = cluster(3);
    await sp.sleep(6000);
    const added = await addMember(port, { name: 'm4', peerURLs: [url(4)], voter: false });
    assert.equal(added.ok, true, added.reason);
    assert.equal(added.isLearner, true);
    assert.ok(added.added?.id);
    assert.equal(added.env?.ETCD_NAME, 'm4');
    assert.equal(added.env?.ETCD_INITIAL_CLUSTER_STATE, 'existing');
    assert.equal(added.env?.ETCD_INITIAL_ADVERTISE_PEER_URLS, url(4));
    const pairs = added.env!.ETCD_INITIAL_CLUSTER.split(',');
    assert.equal(pairs.length, 4);
    assert.ok(pairs.includes(`m4=${url(4)}`), added.env!.ETCD_INITIAL_CLUSTER);
    assert.ok(added.flags?.includes('--initial-cluster-state=existing'));
    const list = await sp.memberList(sim.members[0].id);
    assert.ok(list.some((m) => m.id === added.added!.id && m.isLearner));

    // A second learner while this one is pending is refused before anything is sent.
    const adds = port.actions().filter((c) => c.method === 'addMember').length;
    const second = await addMember(port, { name: 'm5', peerURLs: [url(5)], voter: false });
    assert.equal(second.ok, false);
    assert.equal(second.refused, true, second.reason);
    assert.match(second.reason, /learner is already pending/);
    assert.equal(port.actions().filter((c) => c.method === 'addMember').length, adds);

    await sp.sleep(3000); // the simulated node starts 1 s after its add
    const promoted = await promoteMember(port, added.added!.id, { waitMs: 30_000, targetById: true });
    assert.equal(promoted.ok, true, promoted.reason);
    assert.equal(promoted.promoted, added.added!.id);
    const after = await sp.memberList(sim.members[1].id);
    assert.equal(after.find((m) => m.id === added.added!.id)?.isLearner, false);
  });

  it('a voter add that would leave the healthy voters short of quorum is refused, nothing sent', async () => {
    const { sim, sp, port } = cluster(3);
    await sp.sleep(6000);
    sim.crash(2);
    await sp.sleep(3000);
    const r = await addMember(port, { name: 'm4', peerURLs: [url(4)], voter: true });
    assert.equal(r.refused, true, r.reason);
    assert.ok(r.checks.some((c) => c.name === 'quorum-after' && !c.ok), JSON.stringify(r.checks));
    assert.equal(port.actions().filter((c) => c.method === 'addMember').length, 0);
  });

  it('replaces a crashed member: removed, the new one added as a learner at the same peer URL, then promoted', async () => {
    const { sim, sp, port } = cluster(3);
    await sp.sleep(6000);
    const old = sim.members[2];
    sim.crash(2);
    await sp.sleep(3000);
    const r = await replaceMember(port, { member: old.name, name: 'm3b', peerURLs: [...old.peerURLs] });
    assert.equal(r.ok, true, r.reason);
    assert.equal(r.removed, old.id);
    assert.ok(r.added?.id);
    assert.ok(r.steps.some((s) => s.name.startsWith('remove: ')) && r.steps.some((s) => s.name.startsWith('add: ')), JSON.stringify(r.steps.map((s) => s.name)));
    assert.equal(r.env?.ETCD_NAME, 'm3b');
    assert.ok(!r.env!.ETCD_INITIAL_CLUSTER.includes(`${old.name}=`), r.env!.ETCD_INITIAL_CLUSTER);
    await sp.sleep(3000);
    const p = await promoteMember(port, r.added!.id, { waitMs: 30_000, targetById: true });
    assert.equal(p.ok, true, p.reason);
  });

  it('promoting a learner that never started is refused with nothing sent', async () => {
    const sim = new Sim({ seed: 3, writeIntervalMs: 100 }, { members: [{}, {}, {}], leader: 0 });
    const sp = new SimPort(sim, { joinStartDelayMs: null });
    const port = new RecordingPort(sp);
    await sp.sleep(6000);
    const added = await addMember(port, { name: 'm4', peerURLs: [url(4)], voter: false });
    assert.equal(added.ok, true, added.reason);
    const p = await promoteMember(port, added.added!.id, { targetById: true, waitMs: 5000 });
    assert.equal(p.refused, true, p.reason);
    assert.match(p.reason, /has not started/);
    assert.equal(port.actions().filter((c) => c.method === 'promoteMember').length, 0);
  });

  it('replace: an add that fails after the removal stops the plan and says what was done', async () => {
    const { sim, sp } = cluster(3);
    await sp.sleep(6000);
    const port = new RecordingPort(sp);
    port.addMember = async () => { throw new Error('etcdserver: injected failure'); };
    sim.crash(2);
    await sp.sleep(3000);
    const r = await replaceMember(port, { member: 'm3', name: 'm3b', peerURLs: ['https://10.0.0.33:2380'] });
    assert.equal(r.ok, false);
    assert.equal(r.refused, false, 'something was done: not a refusal');
    assert.equal(r.removed, sim.members[2].id);
    assert.match(r.reason, /m3 was removed, but adding m3b did not complete: .*injected failure/);
    const list = await sp.memberList(sim.members[0].id);
    assert.deepEqual(list.map((m) => m.name).sort(), ['m1', 'm2']);
  });
});
