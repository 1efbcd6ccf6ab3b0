// Which etcd the harness runs: ETCD_OPS_ETCD_VERSION parsing, the build folder it picks in the cache, and the
// message when a version is not built. Cache folders are made under a temp XDG_CACHE_HOME.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { atLeast, builtServerDir, requestedMinor, serversCacheDir, snapshotCommand } from '../harness/etcd-version';

const cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-version-'));
after(() => fs.rmSync(cacheHome, { recursive: true, force: true }));
const env = { XDG_CACHE_HOME: cacheHome };

function fakeBuild(name: string, binaries = ['etcd', 'etcdctl', 'etcdutl']): string {
  const dir = path.join(serversCacheDir(env), name);
  fs.mkdirSync(dir, { recursive: true });
  for (const b of binaries) fs.writeFileSync(path.join(dir, b), '#!/bin/sh\n', { mode: 0o755 });
  return dir;
}

describe('ETCD_OPS_ETCD_VERSION', () => {
  it('defaults to 3.6 and takes 3.4-3.7, with or without v and patch', () => {
    assert.equal(requestedMinor({}), '3.6');
    assert.equal(requestedMinor({ ETCD_OPS_ETCD_VERSION: '' }), '3.6');
    assert.equal(requestedMinor({ ETCD_OPS_ETCD_VERSION: '3.4' }), '3.4');
    assert.equal(requestedMinor({ ETCD_OPS_ETCD_VERSION: 'v3.7.3' }), '3.7');
    assert.equal(requestedMinor({ ETCD_OPS_ETCD_VERSION: ' 3.5 ' }), '3.5');
  });

  it('refuses anything else, naming the choices', () => {
    assert.throws(() => requestedMinor({ ETCD_OPS_ETCD_VERSION: '3.8' }), /ETCD_OPS_ETCD_VERSION=3\.8 is not one of 3\.4, 3\.5, 3\.6, 3\.7/);
    assert.throws(() => requestedMinor({ ETCD_OPS_ETCD_VERSION: 'latest' }), /not one of/);
  });
});

describe('build folders', () => {
  it('the cache lives under XDG_CACHE_HOME, else ~/.cache', () => {
    assert.equal(serversCacheDir(env), path.join(cacheHome, 'etcd-ops', 'servers'));
    assert.equal(serversCacheDir({}), path.join(os.homedir(), '.cache', 'etcd-ops', 'servers'));
  });

  it('a folder missing a binary (a killed build) does not count; a complete one does', () => {
    assert.equal(builtServerDir('v3.9.1', env), null);
    fakeBuild('etcd-v3.9.1-go1.0.1', ['etcd', 'etcdctl']);
    assert.equal(builtServerDir('v3.9.1', env), null);
    const complete = fakeBuild('etcd-v3.9.1-go1.0.2');
    assert.equal(builtServerDir('v3.9.1', env), complete);
    assert.equal(builtServerDir('v3.9.10', env), null, 'v3.9.1 must not match v3.9.10');
  });

  it('offline snapshot commands go to etcdutl where it exists, else to 3.4 etcdctl with its API variable', () => {
    const built = { minor: '3.6' as const, version: '3.6.16', etcd: '/x/etcd', etcdctl: '/x/etcdctl', etcdutl: '/x/etcdutl', binDir: '/x', ctlEnv: {} };
    assert.deepEqual(snapshotCommand(built, 'status', ['db']), { cmd: '/x/etcdutl', args: ['snapshot', 'status', 'db'], env: {} });
    const debian = { ...built, minor: '3.4' as const, etcdutl: null, ctlEnv: { ETCDCTL_API: '3' } };
    assert.deepEqual(snapshotCommand(debian, 'restore', ['db']), { cmd: '/x/etcdctl', args: ['snapshot', 'restore', 'db'], env: { ETCDCTL_API: '3' } });
  });

  it('a version that is not built fails with the command that builds it', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "require('./test/harness/etcd-version').etcdBinaries()"], {
      cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, XDG_CACHE_HOME: cacheHome, ETCD_OPS_ETCD_VERSION: '3.5' },
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /etcd v3\.5\.\d+ is not built \(looked in .*etcd-ops\/servers\/etcd-v3\.5\.\d+-go\*\/\): run "node scripts\/build-servers\.mjs 3\.5"/);
  });

  it('atLeast compares minors numerically', () => {
    assert.equal(atLeast('3.6', '3.6'), true);
    assert.equal(atLeast('3.7', '3.5'), true);
    assert.equal(atLeast('3.4', '3.5'), false);
  });
});
