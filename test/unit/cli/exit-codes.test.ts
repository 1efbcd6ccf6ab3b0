// `certs` and `diagnose` exit 1 when a finding is an error, 0 when only warnings or nothing: a script (or a
// CI job) can tell "something is wrong here" from the exit code alone. Real files, made with openssl.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli';
import { CliIo } from '../../../src/cli/output';
import { makeTestPki, TestPki } from '../../harness/certs';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false, ask: async () => '' };
  return { code: await main(argv, io), out: out.join('\n'), err };
}

const severities = (json: string) => {
  const r = JSON.parse(json) as { findings: { severity: string }[]; certificates?: { findings: { severity: string }[] }[] };
  return new Set([...r.findings, ...(r.certificates ?? []).flatMap((c) => c.findings)].map((f) => f.severity));
};

describe('exit codes of certs and diagnose', () => {
  let tmp = '';
  let pki: TestPki;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-exit-codes-'));
    pki = makeTestPki(path.join(tmp, 'pki'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('certs: nothing found 0, warnings only 0, an error 1 (with one line on stderr saying how many)', async () => {
    const clean = await run(['certs', pki.serverCert, '--json']);
    assert.deepEqual([...severities(clean.out)].filter((s) => s !== 'info'), []);
    assert.equal(clean.code, 0, clean.err.join('\n'));
    assert.deepEqual(clean.err, []);

    // Valid for a year, so a 100000-day warning window turns it into an expiry warning and nothing worse.
    const warned = await run(['certs', pki.serverCert, '--warn-days', '100000', '--json']);
    assert.ok(severities(warned.out).has('warning'));
    assert.ok(!severities(warned.out).has('error'));
    assert.equal(warned.code, 0, warned.err.join('\n'));

    const expired = await run(['certs', pki.expiredClientCert, '--json']);
    assert.ok(severities(expired.out).has('error'));
    assert.equal(expired.code, 1);
    assert.equal(expired.err.length, 1);
    assert.match(expired.err[0], /^etcd-ops certs: \d+ errors? found$/);
    const text = await run(['certs', pki.expiredClientCert]);
    assert.equal(text.code, 1);
    assert.match(text.out, /ERROR cert-expired/);
  });

  it('diagnose: a fresh dir 0, certificates only (a warning) 0, a damaged dir (an error) 1', async () => {
    // Apart from the PKI: diagnose looks for certificates beside a data dir.
    const fresh = path.join(tmp, 'node', 'fresh');
    fs.mkdirSync(fresh, { recursive: true });
    const a = await run(['diagnose', '--data-dir', fresh, '--json']);
    assert.equal(JSON.parse(a.out).state, 'fresh');
    assert.equal(a.code, 0, a.err.join('\n'));
    assert.deepEqual(a.err, []);

    // Only good certificates: the test PKI also holds an expired one, which is an error.
    const good = path.join(tmp, 'good-pki');
    fs.mkdirSync(good);
    for (const f of [pki.ca, pki.serverCert, pki.serverKey]) fs.copyFileSync(f, path.join(good, path.basename(f)));
    const b = await run(['diagnose', fresh, '--pki', good, '--json']);
    const certsOnly = JSON.parse(b.out) as { state: string; findings: { severity: string }[] };
    assert.equal(certsOnly.state, 'certs-only');
    assert.ok(certsOnly.findings.some((f) => f.severity === 'warning'));
    assert.ok(!certsOnly.findings.some((f) => f.severity === 'error'), JSON.stringify(certsOnly.findings));
    assert.equal(b.code, 0, b.err.join('\n'));

    const damaged = path.join(tmp, 'node', 'damaged');
    fs.mkdirSync(path.join(damaged, 'member', 'snap'), { recursive: true });
    fs.writeFileSync(path.join(damaged, 'member', 'snap', 'db'), Buffer.alloc(64 * 1024, 0x5a));
    const c = await run(['diagnose', '--data-dir', damaged, '--json']);
    const bad = JSON.parse(c.out) as { state: string; findings: { severity: string }[] };
    assert.ok(bad.findings.some((f) => f.severity === 'error'), bad.state);
    assert.equal(c.code, 1);
    assert.equal(c.err.length, 1);
    assert.match(c.err[0], new RegExp(`^etcd-ops diagnose: ${bad.state}: \\d+ errors? found \\(`));
  });

  it('help of both says so', async () => {
    for (const name of ['certs', 'diagnose']) {
      const h = await run(['help', name]);
      assert.match(h.out.replace(/\n/g, ' '), /Exit: 0 when nothing or only warnings were found, 1 when a finding is an error/);
    }
  });
});
