// The V8 code cache loader (src/core/code-cache.ts) on real files: a first load makes the cache, a second
// uses it, a cache V8 rejects is made again, an unwritable dir or a turned-off cache still loads the module,
// and the key follows the content. Each test works in its own temp dir, removed after.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { codeCacheDir, codeCacheFile, requireWithCodeCache } from '../../src/core/code-cache';

let tmp: string;
let bundle: string;
const SOURCE = `#!/usr/bin/env node
const path = require('node:path');
function add(a, b) { return a + b; }
exports.sum = add(2, 3);
exports.name = path.basename(__filename);
exports.isMain = require.main === module;
`;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-code-cache-'));
  bundle = path.join(tmp, 'bundle.js');
  fs.writeFileSync(bundle, SOURCE);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cacheFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.v8cache')) : []);

describe('V8 code cache loader', () => {
  it('makes the cache on a first load and uses it on the next; the module runs the same', () => {
    const dir = path.join(tmp, 'cache');
    const first = requireWithCodeCache(bundle, { dir });
    assert.equal(first.outcome, 'miss');
    assert.deepEqual(first.exports, { sum: 5, name: 'bundle.js', isMain: false });
    first.flush();
    assert.deepEqual(cacheFiles(dir), [path.basename(codeCacheFile(dir, bundle, SOURCE))]);
    const second = requireWithCodeCache(bundle, { dir, asMain: true });
    assert.equal(second.outcome, 'hit');
    assert.deepEqual(second.exports, { sum: 5, name: 'bundle.js', isMain: true });
  });

  it('a cache V8 rejects is ignored, the module still loads, and a good cache replaces it', () => {
    const dir = path.join(tmp, 'cache');
    fs.mkdirSync(dir);
    const file = codeCacheFile(dir, bundle, SOURCE);
    fs.writeFileSync(file, Buffer.from('not a V8 code cache at all, just bytes'));
    const load = requireWithCodeCache(bundle, { dir });
    assert.equal(load.outcome, 'rejected');
    assert.equal((load.exports as { sum: number }).sum, 5);
    load.flush();
    assert.equal(requireWithCodeCache(bundle, { dir }).outcome, 'hit');
  });

  it('an unwritable cache dir costs nothing but the cache', () => {
    const blocker = path.join(tmp, 'a-file');
    fs.writeFileSync(blocker, 'x');
    const dir = path.join(blocker, 'cache'); // under a regular file: mkdir fails
    const load = requireWithCodeCache(bundle, { dir });
    assert.equal(load.outcome, 'miss');
    assert.doesNotThrow(() => load.flush());
    assert.equal((load.exports as { sum: number }).sum, 5);
    assert.equal(requireWithCodeCache(bundle, { dir }).outcome, 'miss');
  });

  it('turned off, it reads and writes no cache', () => {
    const load = requireWithCodeCache(bundle, { dir: null });
    assert.equal(load.outcome, 'off');
    load.flush();
    assert.equal((load.exports as { sum: number }).sum, 5);
  });

  it('a changed bundle gets a new key, and the old cache of that bundle is removed', () => {
    const dir = path.join(tmp, 'cache');
    requireWithCodeCache(bundle, { dir }).flush();
    const changed = SOURCE.replace('add(2, 3)', 'add(2, 4)');
    fs.writeFileSync(bundle, changed);
    const load = requireWithCodeCache(bundle, { dir });
    assert.equal(load.outcome, 'miss');
    assert.equal((load.exports as { sum: number }).sum, 6);
    load.flush();
    assert.deepEqual(cacheFiles(dir), [path.basename(codeCacheFile(dir, bundle, changed))]);
    assert.notEqual(codeCacheFile(dir, bundle, changed), codeCacheFile(dir, bundle, SOURCE));
  });

  it('lives under XDG_CACHE_HOME when set (absolute), else ~/.cache', () => {
    assert.equal(codeCacheDir({ XDG_CACHE_HOME: '/x/cache' }), path.join('/x/cache', 'etcd-ops', 'code-cache'));
    assert.equal(codeCacheDir({ XDG_CACHE_HOME: 'relative' }), path.join(os.homedir(), '.cache', 'etcd-ops', 'code-cache'));
    assert.equal(codeCacheDir({}), path.join(os.homedir(), '.cache', 'etcd-ops', 'code-cache'));
  });
});
