// The manifest and the code agree: every command a menu, welcome view or walkthrough names is contributed,
// registered by the extension and has a category; walkthrough media exist. (The welcome view once linked a
// command nothing registered.)
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { RESTRICTED_SETTINGS } from '../../src/extension/settings-reader';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const c = pkg.contributes;

function sources(dir: string): string {
  return fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.ts'))
    .map((f) => fs.readFileSync(path.join(dir, String(f)), 'utf8')).join('\n');
}

it('every referenced command is contributed, registered and categorised', () => {
  const contributed = new Set<string>(c.commands.map((x: { command: string }) => x.command));
  const builtIn = new Set(['etcdOps.clusters.focus']);
  const links = JSON.stringify([c.viewsWelcome, c.walkthroughs]).match(/command:([\w.]+)/g)!.map((l) => l.slice(8));
  const menus = Object.values(c.menus).flat().map((m) => (m as { command: string }).command);
  for (const id of [...links, ...menus]) assert.ok(contributed.has(id) || builtIn.has(id), `${id} is referenced but not contributed`);
  const code = sources(path.join(root, 'src', 'extension'));
  for (const id of contributed) {
    assert.ok(code.includes(`'${id}'`), `${id} is contributed but never registered`);
    assert.equal(c.commands.find((x: { command: string }) => x.command === id).category, 'etcd Ops', `${id} has a category`);
  }
});

it('every command the code hands to VS Code (status bar item, notifications, tooltip links) is contributed', () => {
  const contributed = new Set<string>(c.commands.map((x: { command: string }) => x.command));
  const code = sources(path.join(root, 'src', 'extension'));
  const used = [...code.matchAll(/\.command = '([\w.]+)'|executeCommand\('(etcdOps\.[\w.]+)'|commandLink\([^,]+, '([\w.]+)'/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  assert.ok(used.includes('etcdOps.focus'), 'the status bar item runs etcdOps.focus');
  const builtIn = new Set(['etcdOps.clusters.focus']);
  for (const id of used) assert.ok(contributed.has(id!) || builtIn.has(id!), `${id} is run by the code but not contributed`);
});

it('walkthrough media and manifest essentials exist', () => {
  for (const step of c.walkthroughs[0].steps) assert.ok(fs.existsSync(path.join(root, step.media.markdown)), step.media.markdown);
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.equal(pkg.bin['etcd-ops'], 'dist/cli.js');
  assert.ok(fs.existsSync(path.join(root, pkg.icon)));
});

it('Restricted Mode withholds exactly the settings the reader takes from user settings only', () => {
  const declared = [...pkg.capabilities.untrustedWorkspaces.restrictedConfigurations].sort();
  assert.deepEqual(declared, RESTRICTED_SETTINGS.map((k) => `etcdOps.${k}`).sort());
  for (const key of ['etcdOps.connection.endpoints', 'etcdOps.connection.kubeContext', 'etcdOps.kubernetes.contexts', 'etcdOps.operations.maxAppliedLag']) {
    assert.ok(declared.includes(key), `${key} is restricted`);
  }
  const properties = Object.assign({}, ...c.configuration.map((section: { properties: object }) => section.properties));
  for (const key of declared) assert.ok(key in properties, `${key} is a contributed setting`);
});

it('offers "Forget Stored Passphrases" in the palette, categorised', () => {
  const cmd = c.commands.find((x: { command: string }) => x.command === 'etcdOps.forgetPassphrases');
  assert.equal(cmd?.title, 'Forget Stored Passphrases');
  assert.equal(cmd?.category, 'etcd Ops');
  assert.ok(!(c.menus.commandPalette ?? []).some((m: { command: string; when?: string }) => m.command === cmd.command && m.when === 'false'));
});
