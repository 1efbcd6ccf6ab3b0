// Discovery's table of renamed --experimental-* flags, checked against the real servers: etcd 3.6 accepts
// every old spelling and every new one, etcd 3.7 only the new ones, and both list the feature gates the old
// boolean flags became. If a pin moves and etcd changes its flags, this fails before discovery lies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { EXPERIMENTAL_RENAMES } from '../../src/core/discovery/etcd-flags';
import { etcdBinaries, EtcdMinor } from '../harness/etcd-version';

function helpOf(minor: EtcdMinor): { version: string; flags: Set<string>; text: string } {
  const b = etcdBinaries(minor);
  const r = spawnSync(b.etcd, ['--help'], { encoding: 'utf8', timeout: 30_000 });
  const text = `${r.stdout}${r.stderr}`;
  return { version: b.version, text, flags: new Set([...text.matchAll(/^\s{2}--([a-z0-9-]+)/gm)].map((m) => m[1])) };
}

// The config-file key `experimental-snapshot-catch-up-entries` was never a command-line flag.
const commandLineOld = Object.keys(EXPERIMENTAL_RENAMES).filter((k) => k !== 'experimental-snapshot-catch-up-entries');

describe('renamed etcd flags (real etcd --help)', () => {
  it('etcd 3.6 accepts every old spelling and every new name and gate', () => {
    const h = helpOf('3.6');
    assert.ok(h.flags.size > 50, `no flag list in etcd ${h.version} --help`);
    for (const old of commandLineOld) assert.ok(h.flags.has(old), `etcd ${h.version} has no --${old}`);
    for (const r of Object.values(EXPERIMENTAL_RENAMES)) {
      if ('flag' in r) assert.ok(h.flags.has(r.flag), `etcd ${h.version} has no --${r.flag}`);
      else assert.match(h.text, new RegExp(`\\b${r.featureGate}=true\\|false`), `etcd ${h.version} lists no gate ${r.featureGate}`);
    }
  });

  it('etcd 3.7 has no --experimental-* flag left, and every new name and gate', () => {
    const h = helpOf('3.7');
    assert.ok(h.flags.size > 50, `no flag list in etcd ${h.version} --help`);
    assert.deepEqual([...h.flags].filter((f) => f.startsWith('experimental-')), []);
    for (const r of Object.values(EXPERIMENTAL_RENAMES)) {
      if ('flag' in r) assert.ok(h.flags.has(r.flag), `etcd ${h.version} has no --${r.flag}`);
      else assert.match(h.text, new RegExp(`\\b${r.featureGate}=true\\|false`), `etcd ${h.version} lists no gate ${r.featureGate}`);
    }
  });
});
