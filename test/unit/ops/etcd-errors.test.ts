import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyError } from '../../../src/core/ops/etcd-errors';

describe('classifying etcd errors met during operations', () => {
  const cases: [string, string][] = [
    ['member remove: etcdserver: unhealthy cluster', 'reconfig-unhealthy'],
    ['member remove: etcdserver: member not found', 'member-not-found'],
    ['move leader: etcdserver: not leader', 'leadership'],
    ['member remove: etcdserver: request timed out, leader transfer took too long', 'leadership'],
    ['member remove: no answer within 2000 ms', 'unreachable'],
    ['status: connection refused (etcd not listening there)', 'unreachable'],
    ['member remove: etcdserver: re-configuration failed due to not enough started members', 'fatal'],
    ['move leader: etcdserver: bad leader transferee', 'fatal'],
  ];
  for (const [text, kind] of cases) {
    it(`${kind}: ${text}`, () => assert.equal(classifyError(new Error(text)), kind));
  }
});
