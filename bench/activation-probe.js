// Times require('dist/extension.js') + activate() in a fresh process. The `vscode` module here is a minimal
// recorder (this file runs outside VS Code); it is used only to time start-up, never to test behaviour.
const Module = require('node:module');
const path = require('node:path');

const disposable = { dispose() {} };
const event = () => disposable;
class EventEmitter { constructor() { this.event = event; } fire() {} dispose() {} }
const vscode = {
  EventEmitter, Disposable: class { dispose() {} },
  ThemeIcon: class {}, ThemeColor: class {}, TreeItem: class {}, MarkdownString: class { appendMarkdown() { return this; } },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 }, StatusBarAlignment: { Left: 1, Right: 2 },
  ConfigurationTarget: { Global: 1 }, InputBoxValidationSeverity: { Warning: 2 }, ViewColumn: { One: 1 },
  ProgressLocation: { Notification: 15 }, DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2 },
  Uri: { file: (p) => ({ fsPath: p }), joinPath: (u, ...p) => ({ fsPath: path.join(u.fsPath, ...p) }) },
  languages: { createDiagnosticCollection: () => ({ set() {}, clear() {}, dispose() {} }) },
  window: {
    createOutputChannel: () => ({ info() {}, warn() {}, error() {}, show() {}, dispose() {} }),
    createTreeView: () => ({ visible: false, onDidChangeVisibility: event, dispose() {} }),
    createStatusBarItem: () => ({ show() {}, hide() {}, dispose() {} }),
    registerWebviewPanelSerializer: () => disposable,
  },
  workspace: { getConfiguration: () => ({ get: (_k, d) => d }), onDidChangeConfiguration: event, onDidGrantWorkspaceTrust: event, isTrusted: true },
  commands: { registerCommand: () => disposable, executeCommand: async () => undefined },
  env: { clipboard: { writeText: async () => undefined } },
  extensions: { getExtension: () => undefined, onDidChange: () => ({ dispose() {} }) },
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) { return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest); };
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };

const started = performance.now();
const ext = require(path.resolve(__dirname, '..', 'dist', 'extension.js'));
ext.activate({ subscriptions: [], extensionUri: { fsPath: path.resolve(__dirname, '..') }, extensionPath: path.resolve(__dirname, '..'), secrets: { get: async () => undefined, store: async () => undefined }, globalState: { get: () => undefined, update: async () => undefined } });
console.log(`ACTIVATION_MS ${(performance.now() - started).toFixed(2)}`);
