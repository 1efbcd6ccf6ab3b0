// Whole-file reads with a size cap: snap files, PEM files (and the kubeconfig, through the same helper).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CertFileError, readBoundedFile } from '../../../src/core/certs/pem';
import { DataDirError } from '../../../src/core/datadir/errors';
import { readSnapFile } from '../../../src/core/datadir/snap';
import { CappedReadError, readFileCapped } from '../../../src/core/read-capped';

let dir: string;

/** A sparse file: large on paper, no disk used. */
function sparse(name: string, bytes: number): string {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w');
  fs.ftruncateSync(fd, bytes);
  fs.closeSync(fd);
  return file;
}

describe('size-capped file reads', () => {
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-capped-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a file up to the cap, refuses one above it with its size and the limit', () => {
    const small = path.join(dir, 'small');
    fs.writeFileSync(small, 'hello');
    assert.equal(readFileCapped(small, 5).toString(), 'hello');
    assert.throws(() => readFileCapped(small, 4, 'test file'), (e: CappedReadError) => e.code === 'too-large' && /5 bytes is larger than any test file \(limit 4 bytes\)/.test(e.message));
    assert.throws(() => readFileCapped(path.join(dir, 'missing'), 10), (e: CappedReadError) => e.code === 'unreadable' && e.errno === 'ENOENT' && /no such file/.test(e.message));
    assert.throws(() => readFileCapped(dir, 10), (e: CappedReadError) => e.code === 'not-a-file');
  });

  it('a snap file larger than any real one is refused before it is read', () => {
    const file = sparse('0000000000000002-0000000000000010.snap', 100 * 1024 * 1024);
    const rssBefore = process.memoryUsage().arrayBuffers;
    assert.throws(() => readSnapFile(file), (e: DataDirError) => e instanceof DataDirError && e.code === 'too-large' && /larger than any etcd snap file/.test(e.message));
    assert.ok(process.memoryUsage().arrayBuffers - rssBefore < 16 * 1024 * 1024, 'the file was not loaded');
  });

  it('PEM files keep their cap through the same helper, as CertFileError', () => {
    const file = sparse('huge.crt', 2 * 1024 * 1024);
    assert.throws(() => readBoundedFile(file), (e: CertFileError) => e instanceof CertFileError && e.code === 'too-large');
    assert.throws(() => readBoundedFile(path.join(dir, 'nope.crt')), (e: CertFileError) => e instanceof CertFileError && e.code === 'unreadable' && /no such file/.test(e.message));
  });
});
