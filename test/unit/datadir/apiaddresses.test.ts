import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiAddressesKey, checkApiAddresses } from '../../../src/core/datadir/apiaddresses';

describe('k3s/RKE2 apiaddresses', () => {
  it('absent or empty during joins is a transient warning, not an error', () => {
    for (const v of [null, '', '[]']) {
      const r = checkApiAddresses('rke2', v);
      assert.equal(r.findings.length, 1);
      assert.equal(r.findings[0].severity, 'warning');
      assert.equal(r.findings[0].transient, true);
      assert.equal(r.findings[0].code, 'apiaddresses-not-set');
    }
    assert.match(checkApiAddresses('rke2', null).findings[0].message, /rke2\/apiaddresses is not in etcd yet.*apiserver addresses not yet set/);
  });

  it('reads the JSON list k3s writes', () => {
    const r = checkApiAddresses('k3s', '["10.0.0.1:6443","10.0.0.2:6443","[fd00::3]:6443"]');
    assert.deepEqual(r.addresses, ['10.0.0.1:6443', '10.0.0.2:6443', '[fd00::3]:6443']);
    assert.deepEqual(r.findings.map((f) => f.code), ['apiaddresses-ok']);
    assert.equal(apiAddressesKey('k3s'), 'k3s/apiaddresses');
  });

  it('flags garbage as an error and odd entries as a warning', () => {
    assert.equal(checkApiAddresses('k3s', 'not json').findings[0].severity, 'error');
    assert.equal(checkApiAddresses('k3s', '{"a":1}').findings[0].code, 'apiaddresses-invalid');
    const r = checkApiAddresses('k3s', '["10.0.0.1:6443","nonsense"]');
    assert.ok(r.findings.some((f) => f.code === 'apiaddresses-malformed' && /nonsense/.test(f.message)));
    assert.ok(r.findings.every((f) => !f.transient));
  });

  it('notes a single address: joins then depend on that one server', () => {
    assert.equal(checkApiAddresses('k3s', '["10.0.0.1:6443"]').findings[0].code, 'apiaddresses-single');
  });
});
