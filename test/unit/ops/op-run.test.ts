// The operation runner's bounds, on a virtual clock (only now/sleep of the port are used here).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpRun, OpStop } from '../../../src/core/ops/op-run';
import { ClusterPort } from '../../../src/core/port';

function clockPort(): ClusterPort & { t: number } {
  const port = {
    t: 1000,
    now: () => port.t,
    sleep: async (ms: number) => { port.t += ms; await Promise.resolve(); },
  };
  return port as unknown as ClusterPort & { t: number };
}

const never = () => new Promise<never>(() => {});

describe('operation runner', () => {
  it('fails a step that never answers at its bound, recording the step', async () => {
    const port = clockPort();
    const run = new OpRun(port, 'move-leader', 'm2', { stepTimeoutMs: 500, deadlineMs: 10_000 });
    await assert.rejects(run.step('hang', never), /hang: no result within 500 ms/);
    assert.equal(run.result.steps[0].status, 'failed');
    assert.ok(run.result.steps[0].ms >= 500 && run.result.steps[0].ms < 700);
  });

  it('never lets a step run past the operation deadline', async () => {
    const port = clockPort();
    const run = new OpRun(port, 'remove-member', 'm2', { stepTimeoutMs: 60_000, deadlineMs: 2000 });
    await port.sleep(1500);
    await assert.rejects(run.step('late', never), /deadline \(2.00 s\) was reached/);
    assert.ok(port.now() - run.result.startedAt <= 2100);
    const r = run.finish({ error: new Error('x') });
    assert.equal(r.ok, false);
    assert.ok(r.durationMs <= 2100);
  });

  it('reports progress for each step and waiting message', async () => {
    const port = clockPort();
    const events: string[] = [];
    const run = new OpRun(port, 'move-leader', 'm2', { onProgress: (e) => events.push(e.kind === 'step-finished' ? `finished ${e.step.name} ${e.step.status}` : e.kind === 'step-started' ? `started ${e.step}` : e.message) });
    await run.step('one', async (note) => { run.waiting('something'); note.detail = 'did it'; });
    assert.deepEqual(events, ['started one', 'waiting for: something', 'finished one done']);
    assert.equal(run.result.steps[0].detail, 'did it');
  });

  it('cancellation before a change refuses cleanly; after one it says what was done', async () => {
    const port = clockPort();
    const signal = { aborted: false };
    const run = new OpRun(port, 'remove-member', 'm2', { signal });
    run.checkCancel('the removal');
    signal.aborted = true;
    assert.throws(() => run.checkCancel('the removal'), (e: unknown) => e instanceof OpStop && e.refused && /nothing was changed/.test(e.message));
    await run.step('transfer leadership m1 -> m2', async () => { run.noteChange('leadership moved from m1 to m2'); });
    let stop: unknown;
    try { run.checkCancel('the removal'); } catch (e) { stop = e; }
    assert.ok(stop instanceof OpStop && !stop.refused && stop.cancelled);
    const r = run.finish({ error: stop });
    assert.equal(r.refused, false);
    assert.equal(r.cancelled, true);
    assert.match(r.reason, /already done: leadership moved from m1 to m2/);
  });
});

describe('operation runner: signals and deadline', () => {
  it('a step past its bound aborts the signal its work was given; the run\'s signal is aborted when it finishes', async () => {
    const port = clockPort();
    const run = new OpRun(port, 'remove-member', 'm2', { stepTimeoutMs: 500 });
    let seen: AbortSignal | null = null;
    await assert.rejects(run.step('hang', async (note) => { seen = note.signal; return never(); }), /no result within 500 ms/);
    assert.equal(seen!.aborted, true, 'the step signal ended with the step');
    assert.equal(run.signal.aborted, false);
    run.finish({ error: new Error('x') });
    assert.equal(run.signal.aborted, true);
  });

  it('the deadline runs from the confirmation', async () => {
    const port = clockPort();
    const run = new OpRun(port, 'move-leader', 'm2', { deadlineMs: 2000 });
    await port.sleep(5000);
    assert.equal(run.remaining(), 0);
    run.confirmed();
    assert.equal(run.remaining(), 2000);
    assert.equal(run.result.confirmedAt, port.now());
  });

  it('an action whose answer never came is reported as outcome unknown, not as failed', () => {
    const port = clockPort();
    const run = new OpRun(port, 'remove-member', 'm2', {});
    run.pending = { kind: 'remove', what: 'the removal of m2', checkWith: 'etcdctl member list' };
    const r = run.finish({ error: new Error('remove m2 via m1: no result within 15.0 s') });
    assert.equal(r.ok, false);
    assert.equal(r.outcomeUnknown, true);
    assert.equal(r.reason, 'outcome unknown: the removal of m2 may still be applied; check with etcdctl member list (remove m2 via m1: no result within 15.0 s)');
  });
});
