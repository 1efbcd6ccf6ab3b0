import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MetricsParseError, parsePrometheusText } from '../../../src/core/metrics/prom-text';

test('parses names, labels with escapes, special values and timestamps', () => {
  const m = parsePrometheusText([
    '# HELP etcd_server_has_leader Whether or not a leader exists.',
    '# TYPE etcd_server_has_leader gauge',
    'etcd_server_has_leader 1',
    'etcd_x_bucket{To="8e9e05c52164694d",le="+Inf"} 12 1700000000000',
    'etcd_y{a="q\\"uo\\\\te\\n",b=""} -1.5e-3',
    'etcd_z NaN',
    '',
  ].join('\n'));
  assert.equal(m.types.get('etcd_server_has_leader'), 'gauge');
  assert.equal(m.samples.length, 4);
  assert.deepEqual({ ...m.samples[1].labels }, { To: '8e9e05c52164694d', le: '+Inf' });
  assert.equal(m.samples[1].value, 12);
  assert.equal(m.samples[2].labels.a, 'q"uo\\te\n');
  assert.equal(m.samples[2].value, -0.0015);
  assert.ok(Number.isNaN(m.samples[3].value));
});

test('bad lines are a MetricsParseError naming the line', () => {
  for (const bad of ['etcd_a{le="1"', 'etcd_a one', '{x="1"} 2', 'etcd_a{x=1} 2', 'etcd_a{x="\\q"} 1', 'etcd_a', '# TYPE etcd_a nonsense', 'etcd_a 1 2.5']) {
    assert.throws(() => parsePrometheusText(`etcd_ok 1\n${bad}\n`), (e: Error) => e instanceof MetricsParseError && /line 2/.test(e.message), bad);
  }
});

test('fuzz: any text parses or fails with MetricsParseError, never anything else', () => {
  const piece = fc.constantFrom('etcd_a', '{', '}', '="', '"', ',', ' ', '\n', '\\', 'le', '+Inf', '1.5', 'NaN', '#', 'TYPE', '\r', 'x');
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(piece, { maxLength: 60 }).map((a) => a.join(''))), (text) => {
    try {
      const m = parsePrometheusText(text);
      for (const s of m.samples) assert.equal(typeof s.value, 'number');
    } catch (e) {
      assert.ok(e instanceof MetricsParseError, String(e));
    }
  }), { numRuns: 3000 });
});

test('keep: families the figures do not read are skipped past their name; kept ones are still checked', async () => {
  const { isFigureMetric } = await import('../../../src/core/metrics/figures');
  const text = ['grpc_server_handled_total{grpc_method="Range",grpc_code="OK"} 12', 'go_goroutines 80',
    'etcd_server_has_leader 1', 'etcd_disk_wal_fsync_duration_seconds_count 3'].join('\n');
  const m = parsePrometheusText(text, { keep: isFigureMetric });
  assert.deepEqual(m.samples.map((s) => s.name), ['etcd_server_has_leader', 'etcd_disk_wal_fsync_duration_seconds_count']);
  assert.throws(() => parsePrometheusText('etcd_server_has_leader one', { keep: isFigureMetric }), MetricsParseError);
});
