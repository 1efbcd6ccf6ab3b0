// The simulator panel loads its script from the esbuild bundle in dist/webview and its styles from media/:
// the .vsix must carry exactly those (vsce's own file list), and the bundle must be a browser script.
// Needs `npm run build` first.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** The script and styles the panel asks the webview shell for, as written in simulator-panel.ts. */
function panelAssets(): string[] {
  const source = fs.readFileSync(path.join(ROOT, 'src', 'extension', 'simulator', 'simulator-panel.ts'), 'utf8');
  const script = /script: '([^']+)'/.exec(source)?.[1];
  const dir = /scriptDir: '([^']+)'/.exec(source)?.[1] ?? 'media';
  const styles = [...(/styles: \[([^\]]*)\]/.exec(source)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => `media/${m[1]}`);
  assert.ok(script, 'the panel names its script');
  return [`${dir}/${script}`, ...styles];
}

test('the .vsix carries the webview bundle and styles the simulator panel loads, not the old script or the sources', async () => {
  const bundle = path.join(ROOT, 'dist', 'webview', 'simulator.js');
  assert.ok(fs.existsSync(bundle), 'dist/webview/simulator.js is missing: run npm run build first');
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'],
    { cwd: ROOT, timeout: 120_000 });
  const files = new Set(stdout.split('\n').map((l) => l.trim()).filter(Boolean));
  const assets = panelAssets();
  assert.deepEqual(assets.slice(0, 1), ['dist/webview/simulator.js']);
  for (const f of assets) assert.ok(files.has(f), `${f} is loaded by the panel but not packaged`);
  assert.ok(!files.has('media/simulator.js'), 'the untyped script is gone');
  assert.ok(![...files].some((f) => f.startsWith('src/') || f.endsWith('.map')), 'no sources or source maps in the package');
});

test('the webview bundle is a self-contained browser script', () => {
  const code = fs.readFileSync(path.join(ROOT, 'dist', 'webview', 'simulator.js'), 'utf8');
  assert.doesNotMatch(code, /\brequire\(/, 'no CommonJS require in a webview');
  assert.match(code, /acquireVsCodeApi\(\)/);
});
