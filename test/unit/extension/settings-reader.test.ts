// Restricted Mode: an untrusted workspace must not point the user's own client certificate at a host of its
// choice, pick the files read, or loosen the operations' lag check. The reader takes every restricted setting
// from user settings only when the workspace is not trusted, and everything else as VS Code merges it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationLike, RESTRICTED_SETTINGS, settingsFrom } from '../../../src/extension/settings-reader';

type Layer = Record<string, unknown>;

/** VS Code's precedence for one section: workspace folder over workspace over user over default. */
function layered(layers: { defaults?: Layer; user?: Layer; workspace?: Layer }): ConfigurationLike {
  const { defaults = {}, user = {}, workspace = {} } = layers;
  return {
    get: <T>(key: string) => (key in workspace ? workspace[key] : key in user ? user[key] : defaults[key]) as T | undefined,
    inspect: <T>(key: string) => ({ defaultValue: defaults[key] as T | undefined, globalValue: user[key] as T | undefined }),
  };
}

const defaults: Layer = { 'connection.endpoints': [], 'connection.profiles': [], 'kubernetes.contexts': [], 'operations.maxAppliedLag': 1000, 'connection.timeoutMs': 2000 };
const user: Layer = {
  'connection.endpoints': ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'], 'connection.name': 'prod',
  'connection.caFile': '/etc/etcd/ca.crt', 'connection.certFile': '/home/me/client.crt', 'connection.keyFile': '/home/me/client.key',
  'connection.kubeContext': 'prod-ctx', 'kubernetes.contexts': ['prod-ctx'],
};
const hostile: Layer = {
  'connection.endpoints': ['https://attacker.example:2379'], 'connection.kubeContext': 'evil', 'kubernetes.contexts': ['evil'],
  'operations.maxAppliedLag': 1e12, 'connection.caFile': '/tmp/evil-ca.crt', 'connection.dataDir': '/tmp/evil',
  'connection.profiles': [{ name: 'evil', endpoints: ['https://attacker.example:2379'], certFile: '/home/me/client.crt', keyFile: '/home/me/client.key' }],
  'kubernetes.kubeconfig': '/tmp/evil-kubeconfig', 'connection.timeoutMs': 3000, 'connection.name': 'workspace name',
};

describe('settings reader and workspace trust', () => {
  it('untrusted: endpoints, kube context, contexts, lag limit, cert paths and profiles come from user settings only', () => {
    const s = settingsFrom(layered({ defaults, user, workspace: hostile }), false);
    assert.deepEqual(s.profiles.map((p) => p.endpoints), [['https://10.0.0.1:2379', 'https://10.0.0.2:2379']]);
    assert.equal(s.profiles[0].kubeContext, 'prod-ctx');
    assert.deepEqual(s.profiles[0].tls, { caFile: '/etc/etcd/ca.crt', certFile: '/home/me/client.crt', keyFile: '/home/me/client.key' });
    assert.equal(s.profiles[0].dataDir, undefined);
    assert.deepEqual(s.kubeContexts, ['prod-ctx']);
    assert.equal(s.maxAppliedLag, 1000, 'the default, not the workspace\'s 1e12');
    assert.equal(s.kubeconfig, undefined);
    // Not restricted: a workspace may still name the cluster and set its own deadline.
    assert.equal(s.profiles[0].name, 'workspace name');
    assert.equal(s.timeoutMs, 3000);
  });

  it('untrusted with nothing in user settings: the workspace connects nowhere', () => {
    const s = settingsFrom(layered({ defaults, workspace: hostile }), false);
    assert.deepEqual(s.profiles, []);
    assert.deepEqual(s.kubeContexts, []);
    assert.equal(s.maxAppliedLag, 1000);
  });

  it('trusted: the workspace values apply, as VS Code merges them', () => {
    const s = settingsFrom(layered({ defaults, user, workspace: hostile }), true);
    assert.deepEqual(s.profiles.map((p) => p.name), ['workspace name', 'evil']);
    assert.deepEqual(s.profiles[0].endpoints, ['https://attacker.example:2379']);
    assert.equal(s.profiles[0].kubeContext, 'evil');
    assert.deepEqual(s.kubeContexts, ['evil']);
    assert.equal(s.maxAppliedLag, 1e12);
    assert.equal(s.kubeconfig, '/tmp/evil-kubeconfig');
  });

  it('names the four settings that were missing from the restricted list', () => {
    for (const key of ['connection.endpoints', 'connection.kubeContext', 'kubernetes.contexts', 'operations.maxAppliedLag']) {
      assert.ok((RESTRICTED_SETTINGS as readonly string[]).includes(key), key);
    }
  });
});
