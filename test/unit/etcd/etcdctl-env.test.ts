// The etcdctl environment of a profile: every endpoint, the TLS paths, no passphrase; exports quote paths.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';
import { etcdctlEnvironment, shellExports } from '../../../src/core/etcd/etcdctl-env';

const profile = {
  name: 'prod', endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'],
  tls: { caFile: "/etc/pki/it's ca.crt", certFile: '/etc/pki/$client.crt', keyFile: '/etc/pki/client.key', keyPassphrase: 'secret' },
};

it('names every endpoint and TLS file, never the passphrase', () => {
  const env = etcdctlEnvironment(profile);
  assert.deepEqual(env, {
    ETCDCTL_API: '3', ETCDCTL_ENDPOINTS: 'https://10.0.0.1:2379,https://10.0.0.2:2379',
    ETCDCTL_CACERT: "/etc/pki/it's ca.crt", ETCDCTL_CERT: '/etc/pki/$client.crt', ETCDCTL_KEY: '/etc/pki/client.key',
  });
  assert.doesNotMatch(shellExports(env), /secret/);
  assert.deepEqual(etcdctlEnvironment({ name: 'plain', endpoints: ['http://127.0.0.1:2379'] }), { ETCDCTL_API: '3', ETCDCTL_ENDPOINTS: 'http://127.0.0.1:2379' });
});

it('a shell that runs the exports sees the exact values', () => {
  const env = etcdctlEnvironment(profile);
  const out = execFileSync('sh', ['-c', `${shellExports(env)}printf '%s\\n' "$ETCDCTL_CACERT" "$ETCDCTL_CERT"`], { encoding: 'utf8' });
  assert.equal(out, `${env.ETCDCTL_CACERT}\n${env.ETCDCTL_CERT}\n`);
});
