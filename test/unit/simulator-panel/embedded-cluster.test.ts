// The embedded simulated cluster the tree attaches to: it keeps up with the wall clock between refreshes
// and answers the ops engine like a live cluster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moveLeader, removeMember } from '../../../src/core/ops';
import { EmbeddedClusterPort, MAX_CATCH_UP_MS } from '../../../src/extension/simulator/embedded-cluster';

function withClock(members = 3) {
  let wall = 1_700_000_000_000;
  const port = new EmbeddedClusterPort({ members, wallClock: () => wall });
  return { port, advance: (ms: number) => { wall += ms; }, now: () => wall };
}

test('time moves with the wall clock between snapshots: indexes grow, health is stamped with wall time', async () => {
  const { port, advance, now } = withClock();
  const a = await port.snapshot();
  assert.equal(a.members.length, 3);
  assert.equal(a.members.find((m) => m.isLeader)?.name, 'member-1');
  assert.equal(a.takenAt, now());
  const index = a.members[0].status!.appliedIndex;
  const t0 = port.now();
  advance(5000);
  const b = await port.snapshot();
  assert.ok(port.now() - t0 >= 5000 && port.now() - t0 < 5100, `virtual time moved ${port.now() - t0} ms`);
  assert.ok(b.members[0].status!.appliedIndex >= index + 15, 'writes every 250 ms were committed meanwhile');
  assert.equal(b.takenAt, now());
  // Without wall time passing, nothing moves on its own.
  const before = port.now();
  await port.memberStatus(b.members[1].id!);
  assert.ok(port.now() - before < 10);
});

test('a long absence is simulated only up to the catch-up bound', async () => {
  const { port, advance } = withClock();
  await port.snapshot();
  const t0 = port.now();
  advance(3_600_000);
  await port.snapshot();
  assert.ok(port.now() - t0 <= MAX_CATCH_UP_MS + 100, `moved ${port.now() - t0} ms`);
});

test('operations from the tree run on it through the ops engine', async () => {
  const { port, advance } = withClock(3);
  const h = await port.snapshot();
  const target = h.members.find((m) => !m.isLeader)!;
  const moved = await moveLeader(port, target.id!, { confirm: async () => true });
  assert.equal(moved.ok, true, moved.reason);
  advance(2000);
  const after = await port.snapshot();
  assert.equal(after.leader, target.id);
  const removed = await removeMember(port, h.leader!, { confirm: async () => true });
  assert.equal(removed.ok, true, removed.reason);
  advance(3000);
  const end = await port.snapshot();
  assert.equal(end.members.length, 2);
  assert.ok(end.quorum.ok);
});
