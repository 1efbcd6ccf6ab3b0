// Messages from the webview are checked before the host acts on them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTION_KINDS, LIMITS, parseFromWebview } from '../../../src/extension/simulator/protocol';

test('well-formed requests pass through', () => {
  assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseFromWebview({ type: 'load', scenario: 'remove-leader', seed: 7, members: 5 }),
    { type: 'load', scenario: 'remove-leader', seed: 7, members: 5 });
  assert.deepEqual(parseFromWebview({ type: 'sandbox', seed: 0, members: 1 }), { type: 'sandbox', seed: 0, members: 1 });
  assert.deepEqual(parseFromWebview({ type: 'advance', sessionId: 3, until: 1234.5 }), { type: 'advance', sessionId: 3, until: 1234.5 });
  assert.deepEqual(parseFromWebview({ type: 'action', sessionId: 3, action: 'crash', slot: 2, at: 10 }), { type: 'action', sessionId: 3, action: 'crash', slot: 2, at: 10 });
  assert.deepEqual(parseFromWebview({ type: 'action', sessionId: 3, action: 'heal', slot: null, at: 0 }), { type: 'action', sessionId: 3, action: 'heal', slot: null, at: 0 });
  assert.deepEqual(parseFromWebview({ type: 'compare', scenarios: ['remove-leader-naive', 'remove-leader'], seed: 1, members: 3, runs: 200 }),
    { type: 'compare', scenarios: ['remove-leader-naive', 'remove-leader'], seed: 1, members: 3, runs: 200 });
  assert.deepEqual(parseFromWebview({ type: 'replay', kind: 'rehearsal', plan: 'direct', seed: 85, members: 3 }),
    { type: 'replay', kind: 'rehearsal', plan: 'direct', seed: 85, members: 3 });
  for (const action of ACTION_KINDS) assert.ok(parseFromWebview({ type: 'action', sessionId: 1, action, slot: 0, at: 0 }));
});

test('malformed or out-of-bounds requests are dropped', () => {
  const bad: unknown[] = [
    null, 'ready', 42, {}, { type: 'nope' },
    { type: 'load', scenario: '../../etc', seed: 1, members: 3 },
    { type: 'load', scenario: 'remove-leader', seed: -1, members: 3 },
    { type: 'load', scenario: 'remove-leader', seed: 1.5, members: 3 },
    { type: 'load', scenario: 'remove-leader', seed: 1, members: LIMITS.members.max + 1 },
    { type: 'sandbox', seed: 1, members: 0 },
    { type: 'advance', sessionId: 1, until: Number.POSITIVE_INFINITY },
    { type: 'advance', sessionId: 1, until: -5 },
    { type: 'action', sessionId: 1, action: 'crash', slot: null, at: 0 },
    { type: 'action', sessionId: 1, action: 'format-disk', slot: 0, at: 0 },
    { type: 'action', sessionId: 1, action: 'crash', slot: 99, at: 0 },
    { type: 'action', sessionId: 1, action: 'crash', slot: 0, at: Number.NaN },
    { type: 'montecarlo', scenario: 'remove-leader', seed: 1, members: 3, runs: LIMITS.runs.max + 1 },
    { type: 'montecarlo', scenario: 'remove-leader', seed: 1, members: 3, runs: 0 },
    { type: 'compare', scenarios: ['remove-leader'], seed: 1, members: 3, runs: 10 },
    { type: 'replay', kind: 'shell', plan: 'x', seed: 1, members: 3 },
    { type: 'replay', kind: 'scenario', plan: 'x'.repeat(201), seed: 1, members: 3 },
  ];
  for (const m of bad) assert.equal(parseFromWebview(m), null, JSON.stringify(m));
});
