// A healthy two-member cluster is told why two is fragile, not to "restore the unhealthy member".
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { healthFindings } from '../../../src/core/etcd/health-findings';
import { cluster } from '../ops/cluster-fixture';

const profile = (h: ReturnType<typeof cluster>) => ({ name: 'p', endpoints: h.endpoints });

it('two healthy voters: the two-voters warning, no quorum-at-risk', () => {
  const h = cluster([{ leader: true }, {}]);
  const codes = healthFindings(h, profile(h), true).map((f) => f.code);
  assert.ok(codes.includes('two-voters'), codes.join(', '));
  assert.ok(!codes.includes('quorum-at-risk'), codes.join(', '));
  assert.doesNotMatch(healthFindings(h, profile(h), true).map((f) => f.remediation ?? '').join(' '), /unhealthy/);
});

it('three voters with one down keep quorum-at-risk', () => {
  const h = cluster([{ leader: true }, {}, { healthy: false }]);
  const codes = healthFindings(h, profile(h), true).map((f) => f.code);
  assert.ok(codes.includes('quorum-at-risk') && !codes.includes('two-voters'), codes.join(', '));
});
