// Chains through intermediates, Go's wildcard rule, names checked against every certificate that can serve,
// and suggested commands that survive odd paths. Real certificates made by openssl at test time; the CLI runs
// as a process (dist/cli.js: `npm run build` first).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { allCertFindings, CertsReport, inspectCertificates } from '../../../src/core/certs/inspect';
import { runCli } from '../../harness/cli';
import { makeCa, makeIntermediate, makeLeaf } from './openssl-pki';

let root: string;
const codes = (r: CertsReport) => allCertFindings(r).map((f) => `${path.basename(f.subject)}:${f.code}`).sort();
const sanMissing = (r: CertsReport) => allCertFindings(r).filter((f) => f.code === 'san-missing').map((f) => /does not cover (\S+)/.exec(f.message)![1]).sort();

describe('certificate chains, names and commands', () => {
  before(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-chains-')); });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('root → intermediate → leaf verifies to the layout\'s CA: no cert-wrong-ca, the intermediate named (core and CLI)', async () => {
    const dir = path.join(root, 'kubeadm', 'pki', 'etcd');
    makeCa(dir, 'ca', 'etcd root CA');
    makeIntermediate(dir, 'intermediate', 'etcd intermediate CA', { ca: 'ca' });
    const san = 'DNS:node1,DNS:localhost,IP:127.0.0.1,IP:10.0.0.5';
    makeLeaf(dir, 'server', 'node1', { ca: 'intermediate', san });
    makeLeaf(dir, 'peer', 'node1', { ca: 'intermediate', san });
    makeLeaf(dir, 'healthcheck-client', 'healthcheck', { ca: 'intermediate', eku: 'clientAuth' });
    // server.crt ships the intermediate after the leaf, as etcd serves it; peer.crt relies on intermediate.crt beside it.
    fs.appendFileSync(path.join(dir, 'server.crt'), fs.readFileSync(path.join(dir, 'intermediate.crt')));
    const r = inspectCertificates(dir, { serverHosts: ['10.0.0.5'], peerHosts: ['10.0.0.5'] });
    assert.equal(r.distro, 'kubeadm');
    assert.deepEqual(codes(r), []);
    for (const name of ['server.crt', 'peer.crt', 'healthcheck-client.crt']) {
      const c = r.certificates.find((x) => path.basename(x.path) === name && x.index === 1)!;
      assert.equal(path.basename(c.verifiedBy ?? ''), 'ca.crt', name);
      assert.deepEqual(c.chain, ['CN=etcd intermediate CA'], name);
    }
    const bundled = r.certificates.find((x) => path.basename(x.path) === 'server.crt' && x.index === 2)!;
    assert.equal(bundled.role, 'ca');
    assert.equal(path.basename(bundled.verifiedBy ?? ''), 'ca.crt');

    const cli = await runCli(['certs', dir, '--hosts', '10.0.0.5', '--peer-hosts', '10.0.0.5', '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    const json = JSON.parse(cli.stdout) as { certificates: { path: string; index: number; verifiedBy: string; chain: string[]; findings: unknown[] }[]; findings: unknown[] };
    const server = json.certificates.find((c) => path.basename(c.path) === 'server.crt' && c.index === 1)!;
    assert.equal(path.basename(server.verifiedBy), 'ca.crt');
    assert.deepEqual(server.chain, ['CN=etcd intermediate CA']);
    assert.deepEqual([...json.findings, ...json.certificates.flatMap((c) => c.findings)], []);
    assert.match((await runCli(['certs', dir])).stdout, /No problems found/);
  });

  it('an intermediate of another root is still the wrong CA, and one that may not sign breaks the chain', () => {
    const dir = path.join(root, 'wrong', 'pki', 'etcd');
    makeCa(dir, 'ca', 'etcd root CA');
    makeCa(path.join(root, 'other'), 'other-root', 'unrelated root');
    makeIntermediate(dir, 'intermediate', 'foreign intermediate', { ca: 'other-root', caDir: path.join(root, 'other') });
    makeIntermediate(dir, 'weak-intermediate', 'intermediate without keyCertSign', { ca: 'ca', keyUsage: 'critical,digitalSignature' });
    makeLeaf(dir, 'server', 'node1', { ca: 'intermediate', san: 'IP:127.0.0.1' });
    makeLeaf(dir, 'peer', 'node1', { ca: 'weak-intermediate', san: 'IP:127.0.0.1' });
    makeLeaf(dir, 'healthcheck-client', 'healthcheck', { ca: 'ca', eku: 'clientAuth' });
    fs.appendFileSync(path.join(dir, 'server.crt'), fs.readFileSync(path.join(dir, 'intermediate.crt')));
    const r = inspectCertificates(dir);
    const found = codes(r);
    assert.ok(found.includes('server.crt:cert-wrong-ca'), found.join(' '));
    assert.ok(found.includes('peer.crt:cert-wrong-ca'), found.join(' '));
    assert.ok(!found.includes('healthcheck-client.crt:cert-wrong-ca'));
  });

  it('wildcards as Go reads them: only a whole leftmost "*", for exactly one label; partial wildcards never match', () => {
    const dir = path.join(root, 'wild');
    makeCa(dir, 'ca', 'wild CA');
    makeLeaf(dir, 'server', 'wild', { ca: 'ca', eku: 'serverAuth', san: 'DNS:f*.example.com,DNS:*.example.org,DNS:*.test,DNS:Node1.Example.NET,IP:127.0.0.1' });
    const hosts = ['foo.example.com', 'f.example.com', 'a.example.org', 'a.b.example.org', 'example.org', 'a.test', 'node1.example.net', 'node1.example.net.'];
    const r = inspectCertificates(path.join(dir, 'server.crt'), { serverHosts: hosts });
    assert.deepEqual(sanMissing(r), ['a.b.example.org', 'example.org', 'f.example.com', 'foo.example.com']);
  });

  it('a kubeadm-like server+client certificate is checked against --hosts, in the core and through the CLI', async () => {
    const dir = path.join(root, 'kubeadm-like');
    makeCa(dir, 'ca', 'etcd CA');
    makeLeaf(dir, 'server', 'etcd-server', { ca: 'ca', eku: 'serverAuth,clientAuth', san: 'IP:127.0.0.1,DNS:localhost' });
    makeLeaf(dir, 'client', 'etcd-client', { ca: 'ca', eku: 'clientAuth' });
    const server = path.join(dir, 'server.crt');
    const core = inspectCertificates(server, { serverHosts: ['10.0.0.5'] });
    assert.equal(core.certificates[0].role, 'peer', 'both usages: it looks like a peer certificate');
    assert.deepEqual(sanMissing(core), ['10.0.0.5']);
    assert.deepEqual(sanMissing(inspectCertificates(server, { peerHosts: ['10.0.0.6'] })), ['10.0.0.6']);

    const missing = await runCli(['certs', server, '--hosts', '10.0.0.5']);
    assert.equal(missing.code, 1, 'a SAN error is an error finding: exit 1');
    assert.match(missing.stdout, /ERROR san-missing .*does not cover 10\.0\.0\.5/);
    assert.doesNotMatch(missing.stdout, /No problems found/);
    const json = JSON.parse((await runCli(['certs', server, '--hosts', '10.0.0.5', '--json'])).stdout);
    assert.deepEqual(json.certificates[0].hostsChecked, ['10.0.0.5']);

    const ok = await runCli(['certs', server, '--hosts', '127.0.0.1,localhost']);
    assert.match(ok.stdout, /No problems found/);
    assert.match(ok.stdout, /Names checked against .*server\.crt: 127\.0\.0\.1, localhost/);
    const clientOnly = await runCli(['certs', path.join(dir, 'client.crt'), '--hosts', '10.0.0.5']);
    assert.match(clientOnly.stdout, /NOTE: 10\.0\.0\.5 checked against no certificate/);
  });

  it('suggested commands quote paths with spaces and quotes, and work as given', () => {
    const dir = path.join(root, "it's a dir", 'certs');
    makeCa(dir, 'ca', 'CA');
    makeLeaf(dir, 'server', 'server', { ca: 'ca', san: 'IP:127.0.0.1' });
    fs.chmodSync(path.join(dir, 'server.key'), 0o644);
    const f = allCertFindings(inspectCertificates(dir)).find((x) => x.code === 'key-permissions')!;
    assert.equal(f.command, `chmod 600 '${path.join(root, "it'\\''s a dir", 'certs', 'server.key')}'`);
    execFileSync('sh', ['-c', f.command!]);
    assert.equal(fs.statSync(path.join(dir, 'server.key')).mode & 0o777, 0o600);
  });
});
