// What the background notifier is told between two refreshes: each problem once when it appears, once when it
// clears, nothing while it stays, and nothing from a refresh that reached no member because of our own settings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterHealth } from '../../src/core/cluster-model';
import { conditionsOf, healthChange, HealthCondition, unhealthyMemberCount } from '../../src/core/health-changes';
import { health, THREE } from './simulator-panel/health-fixture';

const keys = (cs: HealthCondition[]) => cs.map((c) => c.key).sort();
const healthy = () => health();
const oneDown = () => health(THREE.map((m) => (m.name === 'etcd-c' ? { ...m, healthy: false } : m)));
/** Two of three down: the survivor has no quorum, so no leader either (as etcd reports it). */
function twoDown(): ClusterHealth {
  return health(THREE.map((m) => (m.name === 'etcd-a' ? { ...m, leader: false } : { ...m, healthy: false })));
}

/** Runs refreshes through healthChange as the notifier does, returning each step's change. */
function run(...refreshes: (ClusterHealth | null)[]) {
  let state: HealthCondition[] | null = null;
  return refreshes.map((h) => {
    const c = healthChange(state, h);
    state = c.current;
    return c;
  });
}

describe('health changes', () => {
  it('a healthy cluster has no problem, and a healthy first refresh raises nothing', () => {
    assert.deepEqual(conditionsOf(healthy()), []);
    const [first] = run(healthy());
    assert.deepEqual(first!.raised, []);
  });

  it('a member going down raises "member down" and "quorum at risk" once, naming the member; recovery clears both', () => {
    const [, down, still, back, again] = run(healthy(), oneDown(), oneDown(), healthy(), healthy());
    assert.deepEqual(keys(down!.raised), ['member-down:fd422379fda50e48', 'quorum-at-risk']);
    assert.match(down!.raised.find((c) => c.kind === 'member-down')!.text, /member etcd-c is down \(.*connection refused\)/);
    assert.match(down!.raised.find((c) => c.kind === 'quorum-at-risk')!.text, /2\/3 voters healthy/);
    assert.deepEqual(still!.raised, [], 'the same problem at the next refresh is not raised again');
    assert.deepEqual(still!.cleared, []);
    assert.deepEqual(keys(back!.cleared), ['member-down:fd422379fda50e48', 'quorum-at-risk']);
    assert.deepEqual(back!.raised, []);
    assert.deepEqual([again!.raised, again!.cleared], [[], []]);
  });

  it('losing a second member of three turns "at risk" into "quorum lost" and "no leader"', () => {
    const [, , lost] = run(healthy(), oneDown(), twoDown());
    assert.deepEqual(keys(lost!.raised), ['leader-lost', 'member-down:91bc3c398fb3c146', 'quorum-lost']);
    assert.deepEqual(keys(lost!.cleared), ['quorum-at-risk']);
    assert.ok(lost!.raised.filter((c) => c.kind !== 'member-down').every((c) => c.severity === 'error'));
  });

  it('no member answering at all is quorum lost', () => {
    const none = twoDown();
    none.members = none.members.map((m) => ({ ...m, healthy: false, status: null }));
    assert.deepEqual(keys(conditionsOf(none)!), ['quorum-lost']);
  });

  it('a refresh blocked by our own settings neither raises nor clears anything', () => {
    const blocked = { ...healthy(), connectionProblem: 'cannot connect: CA file unreadable' };
    const [, down, during, after] = run(healthy(), oneDown(), blocked, oneDown());
    assert.equal(down!.raised.length, 2);
    assert.deepEqual([during!.raised, during!.cleared], [[], []]);
    assert.deepEqual(keys(during!.current), keys(down!.current), 'the previous state stands');
    assert.deepEqual([after!.raised, after!.cleared], [[], []]);
    assert.deepEqual(run(null)[0]!.raised, [], 'a failed refresh says nothing');
  });

  it('an alarm is raised once with the members that carry it, and cleared when disarmed', () => {
    const alarmed = healthy();
    alarmed.members[1]!.alarms = ['NOSPACE'];
    const [, raised, cleared] = run(healthy(), alarmed, healthy());
    assert.deepEqual(keys(raised!.raised), ['alarm:NOSPACE']);
    assert.equal(raised!.raised[0]!.text, 'alarm NOSPACE on etcd-b');
    assert.deepEqual(keys(cleared!.cleared), ['alarm:NOSPACE']);
  });

  it('a healthy two-member cluster is fragile by design, not at risk; an unstarted member is not down (but counts as a voter)', () => {
    assert.deepEqual(conditionsOf(health(THREE.slice(0, 2))), []);
    assert.deepEqual(keys(conditionsOf(health([...THREE, { name: 'etcd-d', id: '1234', started: false }]))!), ['quorum-at-risk']);
  });

  it('the badge counts unhealthy started members over every cluster, not those of unreachable settings', () => {
    const blocked = { ...twoDown(), connectionProblem: 'cannot connect: bad CA' };
    assert.equal(unhealthyMemberCount([healthy(), oneDown(), twoDown(), blocked, null]), 3);
  });
});
