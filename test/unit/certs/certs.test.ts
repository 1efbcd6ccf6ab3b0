import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keyUsageOf } from '../../../src/core/certs/der';
import { allCertFindings, CertsReport, CertsUsageError, inspectCertificates } from '../../../src/core/certs/inspect';
import { makeCa, makeK0sLayout, makeK3sLayout, makeKubeadmLayout } from './openssl-pki';

let root: string;
const codes = (r: CertsReport) => allCertFindings(r).map((f) => `${path.basename(f.subject)}:${f.code}`).sort();
const errors = (r: CertsReport) => allCertFindings(r).filter((f) => f.severity === 'error');

describe('certificate inspection', () => {
  before(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-certs-')); });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a healthy k3s layout: roles, chains to the right CA, keys match, nothing to report', () => {
    const dir = makeK3sLayout(path.join(root, 'k3s', 'server', 'tls', 'etcd'));
    const r = inspectCertificates(path.join(root, 'k3s', 'server'), { serverHosts: ['10.0.0.5'], peerHosts: ['10.0.0.5'] });
    assert.equal(r.distro, 'k3s');
    assert.equal(r.certDir, dir);
    const byName = Object.fromEntries(r.certificates.map((c) => [path.basename(c.path), c]));
    assert.equal(byName['peer-server-client.crt'].role, 'peer');
    assert.equal(path.basename(byName['peer-server-client.crt'].verifiedBy ?? ''), 'peer-ca.crt');
    assert.equal(path.basename(byName['client.crt'].verifiedBy ?? ''), 'server-ca.crt');
    assert.ok(r.certificates.every((c) => c.keyMatches === true));
    assert.deepEqual(codes(r), []);
    assert.deepEqual(byName['server-client.crt'].keyUsage, ['digitalSignature', 'keyEncipherment']);
  });

  it('peer cert signed by the wrong CA, missing SANs, missing clientAuth', () => {
    makeK3sLayout(path.join(root, 'bad-k3s'), { peerSignedByServerCa: true, serverSan: 'DNS:localhost', peerEku: 'serverAuth' });
    const r = inspectCertificates(path.join(root, 'bad-k3s'), { serverHosts: ['10.0.0.5'] });
    const found = codes(r);
    for (const c of ['peer-server-client.crt:cert-wrong-ca', 'peer-server-client.crt:eku-missing-client-auth', 'server-client.crt:san-missing']) {
      assert.ok(found.includes(c), `${c} in ${found}`);
    }
    const wrong = allCertFindings(r).find((f) => f.code === 'cert-wrong-ca')!;
    assert.match(wrong.message, /not signed by peer-ca\.crt .* but by server-ca\.crt/);
    assert.equal(wrong.command, 'systemctl stop k3s && k3s certificate rotate --service etcd && systemctl start k3s');
    assert.equal(allCertFindings(r).filter((f) => f.code === 'san-missing').length, 2, '127.0.0.1 and 10.0.0.5');
  });

  it('expiry against the clock: expiring within 30 days warns, past notAfter is an error', () => {
    const dir = path.join(root, 'clock');
    makeK3sLayout(dir);
    const notAfter = new X509Certificate(fs.readFileSync(path.join(dir, 'client.crt'))).validTo;
    const soon = inspectCertificates(dir, { now: new Date(new Date(notAfter).getTime() - 10 * 86400e3) });
    assert.ok(codes(soon).includes('client.crt:cert-expiring'));
    assert.ok(!codes(soon).some((c) => c.endsWith('cert-expired')));
    const late = inspectCertificates(dir, { now: new Date(new Date(notAfter).getTime() + 86400e3) });
    assert.ok(codes(late).includes('client.crt:cert-expired'));
    assert.equal(late.certificates.find((c) => path.basename(c.path) === 'client.crt')!.daysLeft, -1);
  });

  it('kubeadm layout: missing peer cert gets the kubeadm command; apiserver-etcd-client found one level up', () => {
    const dir = makeKubeadmLayout(path.join(root, 'kubeadm', 'pki'));
    fs.rmSync(path.join(dir, 'peer.crt'));
    const r = inspectCertificates(dir);
    assert.equal(r.distro, 'kubeadm');
    const missing = r.findings.find((f) => f.code === 'cert-missing')!;
    assert.equal(path.basename(missing.subject), 'peer.crt');
    assert.equal(missing.command, 'kubeadm init phase certs etcd-peer');
    const client = r.certificates.find((c) => c.path.endsWith('apiserver-etcd-client.crt'))!;
    assert.equal(client.role, 'client');
    assert.ok(client.verifiedBy?.endsWith(path.join('etcd', 'ca.crt')));
    assert.deepEqual(errors(r).map((f) => f.code), ['cert-missing']);
  });

  it('k0s layout is recognised by its path, with its own renewal advice', () => {
    const dir = makeK0sLayout(path.join(root, 'var', 'lib', 'k0s', 'pki'));
    const r = inspectCertificates(path.join(root, 'var', 'lib', 'k0s', 'pki'), { peerHosts: ['10.0.0.6'] });
    assert.equal(r.distro, 'k0s');
    assert.equal(r.certDir, dir);
    const san = allCertFindings(r).find((f) => f.code === 'san-missing')!;
    assert.match(san.message, /10\.0\.0\.6/);
    assert.equal(san.command, 'systemctl restart k0scontroller');
  });

  it('key mismatch, loose key permissions, unreadable and encrypted files, CA without keyCertSign', () => {
    const dir = path.join(root, 'broken');
    makeK3sLayout(dir);
    fs.copyFileSync(path.join(dir, 'server-client.key'), path.join(dir, 'client.key'));
    fs.chmodSync(path.join(dir, 'peer-server-client.key'), 0o644);
    fs.writeFileSync(path.join(dir, 'extra.crt'), '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    execFileSync('openssl', ['pkey', '-in', path.join(dir, 'peer-server-client.key'), '-aes256', '-passout', 'pass:x', '-out', path.join(dir, 'enc.key')]);
    fs.copyFileSync(path.join(dir, 'client.crt'), path.join(dir, 'enc.crt'));
    makeCa(path.join(root, 'weakca'), 'ca', 'weak CA', 'critical,digitalSignature');
    const r = inspectCertificates(dir);
    const found = codes(r);
    for (const c of ['client.crt:key-mismatch', 'peer-server-client.key:key-permissions', 'extra.crt:cert-unreadable', 'enc.crt:key-unreadable']) {
      assert.ok(found.includes(c), `${c} in ${found}`);
    }
    assert.equal(allCertFindings(r).find((f) => f.code === 'key-permissions')!.command, `chmod 600 ${path.join(dir, 'peer-server-client.key')}`);
    const weak = inspectCertificates(path.join(root, 'weakca', 'ca.crt'));
    assert.ok(codes(weak).includes('ca.crt:ca-no-keycertsign'));
  });

  it('KeyUsage bits agree with openssl', () => {
    const file = path.join(root, 'k3s', 'server', 'tls', 'etcd', 'server-ca.crt');
    assert.deepEqual(keyUsageOf(new X509Certificate(fs.readFileSync(file)).raw), ['keyCertSign', 'cRLSign']);
    const text = execFileSync('openssl', ['x509', '-in', file, '-noout', '-text']).toString();
    assert.match(text, /Certificate Sign, CRL Sign/);
  });

  it('a path that does not exist is a usage error, a dir without certificates a finding', () => {
    assert.throws(() => inspectCertificates(path.join(root, 'nope')), CertsUsageError);
    fs.mkdirSync(path.join(root, 'empty'));
    assert.equal(inspectCertificates(path.join(root, 'empty')).findings[0].code, 'no-certificates');
  });
});
