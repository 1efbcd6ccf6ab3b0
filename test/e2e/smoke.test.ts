// Smoke test of the e2e infrastructure itself (code-server + Chromium + playwright-core + .vsix packaging):
// a throwaway extension generated here is packaged, installed and driven through the real workbench.
// Temporary: the product's own scenarios exercise the same harness once they land.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startWorkbench, type Workbench } from './harness/workbench';

const nonce = randomBytes(3).toString('hex');
const fruits = [`Apple-${nonce}`, `Banana-${nonce}`, `Cherry-${nonce}`];

// A view container with a three-item tree, a command that asks through a modal dialog, and a row command
// offered both inline and in the context menu.
function writeThrowawayExtension(dir: string): void {
  fs.mkdirSync(path.join(dir, 'media'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'e2e-smoke', publisher: 'etcd-ops-test', version: '0.0.1', license: 'MIT', repository: 'https://example.invalid/smoke',
    engines: { vscode: '^1.100.0' }, main: './extension.js',
    contributes: {
      viewsContainers: { activitybar: [{ id: 'smokeContainer', title: 'Smoke Fruits', icon: 'media/icon.svg' }] },
      views: { smokeContainer: [{ id: 'smokeTree', name: 'Fruits' }] },
      commands: [
        { command: 'smoke.ask', title: 'Smoke: Ask Question' },
        { command: 'smoke.inspect', title: 'Inspect Fruit', icon: '$(eye)' },
      ],
      menus: { 'view/item/context': [
        { command: 'smoke.inspect', when: 'view == smokeTree', group: 'inline' },
        { command: 'smoke.inspect', when: 'view == smokeTree' },
      ] },
    },
  }, null, 2));
  fs.writeFileSync(path.join(dir, 'extension.js'), `const vscode = require('vscode');
exports.activate = (context) => {
  const fruits = ${JSON.stringify(fruits)};
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('smokeTree', { getChildren: () => fruits, getTreeItem: (f) => new vscode.TreeItem(f) }),
    vscode.commands.registerCommand('smoke.ask', async () => {
      const answer = await vscode.window.showWarningMessage('Remove ${fruits[2]}?', { modal: true, detail: 'Nonce ${nonce}.' }, 'Remove');
      vscode.window.showInformationMessage('Answer: ' + (answer ?? 'cancelled'));
    }),
    vscode.commands.registerCommand('smoke.inspect', (fruit) => vscode.window.showInformationMessage('Inspected ' + fruit)),
  );
};
`);
  fs.writeFileSync(path.join(dir, 'media', 'icon.svg'),
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="currentColor"/></svg>');
  fs.writeFileSync(path.join(dir, 'README.md'), '# e2e smoke\n');
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'MIT\n');
}

const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-smoke-'));
const screenshotDir = path.join(tempDir, 'screenshots');
let workbench: Workbench;

before(async () => {
  const extensionDir = path.join(tempDir, 'extension');
  writeThrowawayExtension(extensionDir);
  const packager = (await import(pathToFileURL(path.resolve(__dirname, '..', '..', 'scripts', 'package-vsix.mjs')).href)) as {
    packageVsix(o: { root: string; out: string; build: boolean }): Promise<{ vsixPath: string; warnings: string[] }>;
  };
  const { vsixPath, warnings } = await packager.packageVsix({ root: extensionDir, out: path.join(tempDir, 'smoke.vsix'), build: false });
  assert.deepEqual(warnings, []);
  workbench = await startWorkbench({ vsixPath, screenshotDir });
}, { timeout: 20 * 60_000 }); // includes a first-time code-server install (about a minute)

after(async () => {
  await workbench?.close();
  fs.rmSync(tempDir, { recursive: true, force: true });
});

test('the installed extension shows its view container and tree rows', { timeout: 60_000 }, async () => {
  await workbench.showView('Smoke Fruits');
  const rows = await workbench.waitForTree('three fruits', (r) => r.length === 3);
  assert.deepEqual(rows.map((r) => r.label), fruits);
  assert.deepEqual(await workbench.treeRows(), fruits);
  const log = fs.readFileSync(workbench.extensionHostLogPath() ?? '', 'utf8');
  assert.match(log, /_doActivateExtension etcd-ops-test\.e2e-smoke/);
});

test('a palette command opens a modal dialog whose answer reaches the extension', { timeout: 60_000 }, async () => {
  await workbench.runCommand('Smoke: Ask Question');
  const dialog = await workbench.modal();
  assert.equal(dialog.message, `Remove ${fruits[2]}?`);
  assert.equal(dialog.detail, `Nonce ${nonce}.`);
  assert.ok(dialog.buttons.includes('Remove') && dialog.buttons.includes('Cancel'), `buttons: ${dialog.buttons.join(', ')}`);
  const shot = await workbench.screenshot('modal');
  assert.deepEqual(fs.readFileSync(shot).subarray(0, 4), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  await dialog.click('Remove');
  await workbench.waitForNotification('Answer: Remove');
});

test('row commands run from the inline action and from the context menu with the row as argument', { timeout: 60_000 }, async () => {
  await workbench.clickRowAction(fruits[1]!, 'Inspect Fruit');
  await workbench.waitForNotification(`Inspected ${fruits[1]}`);
  await workbench.contextMenu(fruits[0]!, 'Inspect Fruit');
  await workbench.waitForNotification(`Inspected ${fruits[0]}`);
  await assert.rejects(workbench.contextMenu(fruits[0]!, 'No Such Item'), /has no enabled "No Such Item" \(offered: Inspect Fruit/);
});
