// "Pick Kubeconfig…" refuses a file it cannot use, and says why.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, it } from 'node:test';
import { checkKubeconfigFile } from '../../src/core/kube/kubeconfig-check';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-kubecheck-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => { const p = path.join(dir, name); fs.writeFileSync(p, text); return p; };

it('invalid YAML, a missing file, no contexts and only broken contexts are refused with the reason', () => {
  const bad = checkKubeconfigFile(file('bad.yaml', 'clusters: [\n  - : :\n'));
  assert.equal(bad.ok, false);
  assert.match((bad as { reason: string }).reason, /bad\.yaml.*not valid YAML|bad\.yaml/);
  assert.deepEqual(checkKubeconfigFile(path.join(dir, 'absent.yaml')).ok, false);
  const empty = checkKubeconfigFile(file('empty.yaml', 'apiVersion: v1\nkind: Config\n'));
  assert.match((empty as { reason: string }).reason, /has no contexts/);
  const broken = checkKubeconfigFile(file('broken.yaml', 'contexts:\n- name: a\n  context:\n    cluster: nowhere\n'));
  assert.match((broken as { reason: string }).reason, /no context .* can be used: context "a" names cluster "nowhere"/);
});

it('a usable context is accepted, and the broken ones are named', () => {
  const ok = checkKubeconfigFile(file('ok.yaml', [
    'clusters:', '- name: c', '  cluster:', '    server: https://127.0.0.1:6443',
    'users:', '- name: u', '  user: {}',
    'contexts:', '- name: good', '  context:', '    cluster: c', '    user: u', '- name: bad', '  context:', '    cluster: gone', '',
  ].join('\n')));
  assert.deepEqual(ok, { ok: true, contexts: ['good'], problems: ['context "bad" names cluster "gone", which is not in the kubeconfig'] });
});
