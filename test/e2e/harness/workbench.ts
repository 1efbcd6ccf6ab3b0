// A real VS Code workbench for end-to-end tests: code-server (VS Code 1.100.3) driven by Debian's Chromium
// through playwright-core. `startWorkbench` installs the extension under test into fresh user-data and
// extensions dirs, opens the workbench and returns helpers that act the way a user does (palette, views,
// tree rows, context menus, dialogs, notifications).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { CodeServerProcess, ensureCodeServer, extensionHostLogIn, installExtension, type CodeServerDirs } from './code-server';
import { waitFor, withTimeout } from './wait';

const CHROMIUM = process.env.ETCD_OPS_E2E_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];
/** Bound for each single UI wait (playwright's default is 30 s and silent about why). */
const UI_TIMEOUT_MS = 15_000;
const WORKBENCH_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 10_000;

// Settings that keep the workbench quiet and predictable: no welcome editor, no trust prompt, no tips.
const BASE_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'extensions.ignoreRecommendations': true,
  // No marketplace queries: the machines running this suite may have no route out.
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  // Text a test types into an editor (settings.json) lands exactly as given.
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoIndent': 'none',
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
};

const SIDEBAR = '[id="workbench.parts.sidebar"]';
const QUICK_ITEM_LABEL = '.quick-input-list-row:first-child .label-name';

/**
 * Where e2e screenshots go: an ignored folder, so a test run leaves the tree as it found it.
 * `npm run screenshots` points ETCD_OPS_SCREENSHOT_DIR at media/screenshots to refresh the README's pictures.
 */
export function screenshotDir(): string {
  const root = path.resolve(__dirname, '..', '..', '..');
  return path.resolve(root, process.env.ETCD_OPS_SCREENSHOT_DIR || path.join('test-results', 'screenshots'));
}

export interface WorkbenchOptions {
  /** The .vsix to install before the workbench opens (scripts/package-vsix.mjs makes one). */
  vsixPath?: string;
  /** Other extensions to install first, in order (dependencies before what depends on them). */
  otherVsixPaths?: string[];
  /** User settings, merged over the harness defaults. */
  settings?: Record<string, unknown>;
  /** Folder to open; none = an empty window. */
  workspaceDir?: string;
  /** Where `screenshot(name)` writes `<name>.png`: `screenshotDir()` unless a test says otherwise. */
  screenshotDir?: string;
  viewport?: { width: number; height: number };
}

export interface AttachOptions extends Pick<WorkbenchOptions, 'workspaceDir' | 'screenshotDir' | 'viewport'> {
  /** A code-server that is already running, e.g. the http://127.0.0.1:8080/ that `npm start` prints. */
  url: string;
  /** Its --user-data-dir, when known: for its extension host log (and so for waiting on it) and editUserSettings. */
  userDataDir?: string;
}

/** A code-server the workbench started itself, stopped and removed by close(). */
interface OwnedServer {
  server: CodeServerProcess;
  tempRoot: string;
}

export interface TreeRow {
  label: string;
  description: string;
  /** What a screen reader hears; tree items put their tooltip-like text here. */
  ariaLabel: string;
  depth: number;
  expanded: boolean | undefined;
  /** The row's codicon name (a ThemeIcon such as "error" or "star-full"), if it shows one. */
  icon: string | undefined;
}

export interface ModalDialog {
  message: string;
  detail: string;
  buttons: string[];
  /** Clicks the button with exactly this label and waits for the dialog to close. */
  click(label: string): Promise<void>;
}

function exactText(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

function matches(text: string, pattern: string | RegExp): boolean {
  return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
}

export class Workbench {
  /** Errors the workbench page logged (console.error, uncaught exceptions), for failure messages. */
  readonly browserErrors: string[] = [];

  private constructor(
    readonly page: Page,
    private readonly browser: Browser,
    private readonly owned: OwnedServer | undefined,
    private readonly userDataDir: string | undefined,
    private readonly screenshotDir: string | undefined,
  ) {
    // Failed resource loads are left out: code-server lacks some optional web assets (vsda) by design.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) this.browserErrors.push(m.text());
    });
    page.on('pageerror', (e) => this.browserErrors.push(e.message));
  }

  static async start(options: WorkbenchOptions = {}): Promise<Workbench> {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set ETCD_OPS_E2E_CHROMIUM)`);
    const bin = await ensureCodeServer();
    const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-e2e-'));
    const dirs: CodeServerDirs = {
      userDataDir: path.join(tempRoot, 'user-data'),
      extensionsDir: path.join(tempRoot, 'extensions'),
      configFile: path.join(tempRoot, 'code-server.yaml'),
    };
    fs.mkdirSync(path.join(dirs.userDataDir, 'User'), { recursive: true });
    fs.mkdirSync(dirs.extensionsDir, { recursive: true });
    fs.writeFileSync(path.join(dirs.userDataDir, 'User', 'settings.json'),
      JSON.stringify({ ...BASE_SETTINGS, ...options.settings }, null, 2));

    let server: CodeServerProcess | undefined;
    let browser: Browser | undefined;
    try {
      // The browser starts while the extension installs and the server comes up.
      const launching = chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
      launching.catch(() => undefined);
      for (const vsix of [...options.otherVsixPaths ?? [], ...options.vsixPath ? [options.vsixPath] : []]) await installExtension(bin, dirs, vsix);
      server = await CodeServerProcess.start(bin, dirs, path.join(tempRoot, 'code-server.log'));
      browser = await launching;
      return await Workbench.open(browser, server.url, { server, tempRoot }, dirs.userDataDir, options);
    } catch (err) {
      const logs = server ? ` (code-server log: ${server.logFile})` : '';
      await withTimeout('closing Chromium', browser?.close() ?? Promise.resolve(), CLOSE_TIMEOUT_MS).catch(() => undefined);
      await server?.stop();
      if (!process.env.ETCD_OPS_E2E_KEEP) fs.rmSync(tempRoot, { recursive: true, force: true });
      (err as Error).message += logs;
      throw err;
    }
  }

  /**
   * Opens the workbench of a code-server that is already running (started by something else, which also stops
   * it): only Chromium is started here, and close() only closes Chromium.
   */
  static async attach(options: AttachOptions): Promise<Workbench> {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set ETCD_OPS_E2E_CHROMIUM)`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    try {
      return await Workbench.open(browser, options.url, undefined, options.userDataDir, options);
    } catch (err) {
      await withTimeout('closing Chromium', browser.close(), CLOSE_TIMEOUT_MS).catch(() => undefined);
      throw err;
    }
  }

  private static async open(browser: Browser, serverUrl: string, owned: OwnedServer | undefined, userDataDir: string | undefined,
    options: Pick<WorkbenchOptions, 'workspaceDir' | 'screenshotDir' | 'viewport'>): Promise<Workbench> {
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    const workbench = new Workbench(page, browser, owned, userDataDir, options.screenshotDir);
    const url = new URL(serverUrl);
    if (options.workspaceDir) url.searchParams.set('folder', path.resolve(options.workspaceDir));
    await page.goto(url.href, { timeout: WORKBENCH_TIMEOUT_MS });
    await workbench.waitUntilRendered();
    return workbench;
  }

  private async waitUntilRendered(): Promise<void> {
    for (const part of ['workbench.parts.activitybar', 'workbench.parts.statusbar', 'workbench.parts.editor']) {
      await this.page.locator(`[id="${part}"]`).waitFor({ state: 'visible', timeout: WORKBENCH_TIMEOUT_MS });
    }
    // The remote extension host is up once its log exists; commands of extensions need it.
    if (!this.userDataDir) return;
    await waitFor('the extension host to start', () => this.extensionHostLogPath(),
      { timeoutMs: WORKBENCH_TIMEOUT_MS, hint: () => this.logHint() });
  }

  /** The remote extension host log (activation failures and errors thrown by extensions land there). */
  extensionHostLogPath(): string | undefined {
    return this.userDataDir ? extensionHostLogIn(this.userDataDir) : undefined;
  }

  /** Log files an extension wrote through its own log output channels (under the extension host's log dir). */
  extensionLogFiles(extensionId: string): string[] {
    const hostLog = this.extensionHostLogPath();
    if (!hostLog) return [];
    const dir = path.join(path.dirname(hostLog), extensionId);
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => path.join(dir, f)) : [];
  }

  /** Where to look when something went wrong; appended to every harness timeout message. */
  logHint(): string {
    const parts = [`extension host log: ${this.extensionHostLogPath() ?? (this.userDataDir ? 'none yet' : 'unknown')}`];
    if (this.owned) parts.unshift(`code-server log: ${this.owned.server.logFile}`);
    if (this.browserErrors.length) parts.push(`browser errors: ${this.browserErrors.slice(-3).join(' | ')}`);
    if (this.owned && !process.env.ETCD_OPS_E2E_KEEP) parts.push('set ETCD_OPS_E2E_KEEP=1 to keep them');
    return parts.join('; ');
  }

  /** Runs a command from the palette by its full title, e.g. "View: Show Explorer". */
  async runCommand(title: string): Promise<void> {
    const row = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exactText(title) }) });
    // Contributed commands appear once the extension is registered; reopen the palette until they do.
    await waitFor(`command "${title}" in the palette`, async () => {
      await this.openPalette();
      await this.quickInputBox().fill(`>${title}`);
      try {
        await row.first().waitFor({ state: 'visible', timeout: 2_000 });
        return true;
      } catch {
        await this.page.keyboard.press('Escape');
        return false;
      }
    }, { timeoutMs: UI_TIMEOUT_MS, intervalMs: 250, hint: () => this.logHint() });
    await row.first().click();
  }

  private quickInputBox(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-box input');
  }

  private async openPalette(): Promise<void> {
    if (await this.quickInputBox().isVisible()) await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Control+Shift+P');
    await this.quickInputBox().waitFor({ state: 'visible', timeout: 5_000 });
  }

  /** Items of the open quick pick (showQuickPick from an extension). */
  async quickPickItems(): Promise<string[]> {
    await this.quickInputBox().waitFor({ state: 'visible' });
    // The first row of an item holds its label; a second row holds its detail, also in a .label-name.
    return this.page.locator(`.quick-input-widget .quick-input-list .monaco-list-row ${QUICK_ITEM_LABEL}`)
      .evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
  }

  /** Picks an item of the open quick pick by its exact label. */
  async pickQuickItem(label: string): Promise<void> {
    await this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator(QUICK_ITEM_LABEL, { hasText: exactText(label) }) }).first().click();
  }

  /** Types into the open input box (showInputBox) and confirms with Enter. */
  async answerInputBox(text: string): Promise<void> {
    await this.quickInputBox().waitFor({ state: 'visible' });
    await this.quickInputBox().fill(text);
    await this.page.keyboard.press('Enter');
  }

  /** Opens a view container (activity bar entry) by its title and waits for the side bar to show it. */
  async showView(containerTitle: string): Promise<void> {
    await this.runCommand(`View: Show ${containerTitle}`);
    const want = containerTitle.toLowerCase();
    await waitFor(`the side bar to show "${containerTitle}"`, async () => {
      const title = await this.page.locator(`${SIDEBAR} .title-label h2`).first().textContent({ timeout: 1_000 });
      return (title ?? '').toLowerCase().includes(want);
    }, { timeoutMs: UI_TIMEOUT_MS, hint: () => this.logHint() });
  }

  /** Rows currently rendered in the side bar's trees, top to bottom. */
  async treeItems(): Promise<TreeRow[]> {
    // No named helper functions inside: tsx would wrap them in a `__name` call the page does not define.
    return this.page.locator(`${SIDEBAR} .monaco-list-row`).evaluateAll((rows) => rows.map((row) => {
      const expanded = row.getAttribute('aria-expanded');
      return {
        label: (row.querySelector('.label-name')?.textContent ?? row.textContent ?? '').trim(),
        description: (row.querySelector('.label-description')?.textContent ?? '').trim(),
        ariaLabel: row.getAttribute('aria-label') ?? '',
        depth: Number(row.getAttribute('aria-level') ?? '1'),
        expanded: expanded === null ? undefined : expanded === 'true',
        icon: [...(row.querySelector('.custom-view-tree-node-item-icon')?.classList ?? [])]
          .find((c) => c.startsWith('codicon-') && c !== 'codicon-modifier-spin')?.slice('codicon-'.length),
      };
    }));
  }

  /** Labels of the side bar's tree rows. */
  async treeRows(): Promise<string[]> {
    return (await this.treeItems()).map((r) => r.label);
  }

  /** Waits until the side bar's tree rows satisfy `check` (e.g. a member turned "leader"), returns them. */
  async waitForTree(what: string, check: (rows: TreeRow[]) => boolean, timeoutMs = UI_TIMEOUT_MS): Promise<TreeRow[]> {
    let last: TreeRow[] = [];
    return waitFor(`tree rows: ${what}`, async () => {
      last = await this.treeItems();
      return check(last) ? last : undefined;
    }, { timeoutMs, hint: () => `rows were [${last.map((r) => `${r.label} ${r.description}`.trim()).join(', ')}]; ${this.logHint()}` });
  }

  /** The side bar tree row whose label is exactly `text`. */
  rowByText(text: string): Locator {
    return this.page.locator(`${SIDEBAR} .monaco-list-row`)
      .filter({ has: this.page.locator('.label-name', { hasText: exactText(text) }) }).first();
  }

  /** Clicks an inline action (the icons revealed when hovering a row) by its title. */
  async clickRowAction(rowText: string, actionTitle: string): Promise<void> {
    const row = this.rowByText(rowText);
    await row.hover();
    await row.locator(`.action-label[aria-label^="${actionTitle.replace(/"/g, '\\"')}"]`).first().click();
  }

  /** Clicks an action in the side bar's title bars (view/title menu: refresh, add, ...) by its title. */
  async clickViewAction(actionTitle: string): Promise<void> {
    await this.page.locator(`${SIDEBAR} .title-actions .action-label[aria-label^="${actionTitle.replace(/"/g, '\\"')}"]`).first().click();
  }

  /** Clicks a button or link of a view's welcome content (viewsWelcome) by its text. */
  async clickWelcome(label: string): Promise<void> {
    await this.page.locator(`${SIDEBAR} .welcome-view-content`).locator('.monaco-button, a')
      .filter({ hasText: exactText(label) }).first().click();
  }

  /** Right-clicks a tree row and chooses `itemText` from its context menu. */
  async contextMenu(rowText: string, itemText: string): Promise<void> {
    await this.rowByText(rowText).click({ button: 'right' });
    const menu = this.page.locator('.monaco-menu').first();
    await menu.waitFor({ state: 'visible' });
    const item = menu.locator('.action-item:not(.disabled)')
      .filter({ has: this.page.locator('.action-label', { hasText: exactText(itemText) }) }).first();
    // The menu renders all its items at once, so a missing item is missing now.
    if ((await item.count()) === 0) {
      const offered = (await menu.locator('.action-label').allTextContents()).map((t) => t.trim()).filter(Boolean);
      await this.page.keyboard.press('Escape');
      throw new Error(`context menu of "${rowText}" has no enabled "${itemText}" (offered: ${offered.join(', ')})`);
    }
    // A click right after the menu opens can be swallowed (the menu guards against the right-click's own
    // mouse-up), so focus the item by hovering and choose it with Enter, which the menu always honours.
    await item.hover();
    await waitFor(`"${itemText}" to be focused in the context menu`,
      async () => (await item.getAttribute('class'))?.split(/\s+/).includes('focused'), { timeoutMs: 5_000 });
    await this.page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: 5_000 });
  }

  /** Waits for a modal dialog (showWarningMessage(..., { modal: true })) and reads it. */
  async modal(): Promise<ModalDialog> {
    const box = this.page.locator('.monaco-dialog-box');
    await box.waitFor({ state: 'visible' });
    // innerText, not textContent: the workbench renders each line of a multi-line detail as its own element.
    const read = async (sel: string) => ((await box.locator(sel).count()) ? await box.locator(sel).first().innerText() : '').trim();
    const buttons = (await box.locator('.monaco-button').allTextContents()).map((t) => t.trim()).filter(Boolean);
    return {
      message: await read('.dialog-message-text'),
      detail: await read('.dialog-message-detail'),
      buttons,
      click: async (label: string) => {
        if (!buttons.includes(label)) throw new Error(`dialog has no "${label}" button (buttons: ${buttons.join(', ')})`);
        await box.locator('.monaco-button').filter({ hasText: exactText(label) }).first().click();
        await box.waitFor({ state: 'hidden' });
      },
    };
  }

  /** Messages of the notification toasts on screen. */
  async notifications(): Promise<string[]> {
    return (await this.page.locator('.notifications-toasts .notification-list-item-message').allTextContents()).map((t) => t.trim());
  }

  /** Waits for a notification toast whose text contains `pattern` (or matches it), returns its text. */
  async waitForNotification(pattern: string | RegExp, timeoutMs = UI_TIMEOUT_MS): Promise<string> {
    let seen: string[] = [];
    return waitFor(`a notification ${pattern}`, async () => {
      seen = await this.notifications();
      return seen.find((t) => matches(t, pattern));
    }, { timeoutMs, hint: () => `notifications were [${seen.join(' | ')}]; ${this.logHint()}` });
  }

  /** Saves a screenshot of the whole workbench as `<screenshotDir>/<name>.png` and returns its path. */
  async screenshot(name: string): Promise<string> {
    if (!this.screenshotDir) throw new Error('startWorkbench was given no screenshotDir');
    fs.mkdirSync(this.screenshotDir, { recursive: true });
    const file = path.join(this.screenshotDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * Replaces the user settings (merged over the harness defaults) the way an operator does it: "Preferences:
   * Open User Settings (JSON)", new text, save, close. Going through the editor makes the workbench apply
   * the change at once (a file written behind its back is not noticed reliably by code-server).
   */
  async editUserSettings(settings: Record<string, unknown>): Promise<void> {
    const wanted = { ...BASE_SETTINGS, ...settings };
    if (!this.userDataDir) throw new Error('editUserSettings needs the user-data dir (attach without userDataDir)');
    const file = path.join(this.userDataDir, 'User', 'settings.json');
    await this.runCommand('Preferences: Open User Settings (JSON)');
    const editor = this.page.locator('[id="workbench.parts.editor"] .monaco-editor .view-lines').first();
    await waitFor('the settings.json editor', async () => {
      const active = await this.page.locator('.tabs-container .tab.active .label-name').first().textContent({ timeout: 1_000 });
      return active?.trim() === 'settings.json' && (await editor.isVisible());
    }, { hint: () => this.logHint() });
    await editor.click();
    await this.page.keyboard.press('Control+A');
    // Delete first: text typed over a selection that starts with a bracket would surround it instead.
    await this.page.keyboard.press('Delete');
    // The harness settings turn the editor's auto-closing and auto-indent off, so the text lands as given.
    await this.page.keyboard.insertText(JSON.stringify(wanted, null, 1));
    await this.page.keyboard.press('Control+S');
    let last = '';
    await waitFor('settings.json to be saved with the new settings', () => {
      last = fs.readFileSync(file, 'utf8');
      try { return JSON.stringify(JSON.parse(last)) === JSON.stringify(wanted); } catch { return false; }
    }, { hint: () => `settings.json was ${last.slice(0, 300)}; ${this.logHint()}` });
    await this.runCommand('View: Close Editor');
  }

  /**
   * Chooses `target` in the open file dialog (code-server shows VS Code's simple file dialog, a quick input
   * listing one folder) and presses its `button` (the dialog's openLabel). For a folder the dialog is first
   * navigated into it, so the choice is the folder itself and not the one the dialog opened in.
   */
  async chooseInFileDialog(target: string, button: string): Promise<void> {
    const isDir = fs.statSync(target).isDirectory();
    const folder = isDir ? target : path.dirname(target);
    const entries = fs.readdirSync(folder).sort();
    let listed: string[] = [];
    await this.quickInputBox().fill(`${folder.replace(/\/+$/, '')}/`);
    await waitFor(`the file dialog to list ${folder}`, async () => {
      listed = (await this.quickPickItems()).filter((l) => l !== '..').sort();
      return listed.length === entries.length && listed.every((l, i) => l === entries[i]);
    }, { hint: () => `it listed [${listed.join(', ')}]; ${this.logHint()}` });
    if (!isDir) await this.quickInputBox().fill(target);
    // The dialog ignores its button while it is still busy reading the folder: press it until the dialog closes.
    const ok = this.page.locator('.quick-input-widget .monaco-button').filter({ hasText: exactText(button) }).first();
    await waitFor(`the file dialog to accept ${target}`, async () => {
      if (await this.quickInputBox().isHidden()) return true;
      await ok.click({ timeout: 2_000 });
      await this.quickInputBox().waitFor({ state: 'hidden', timeout: 1_000 });
      return true;
    }, { hint: () => this.logHint() });
  }

  /**
   * Waits until a webview (panel or view; each is an iframe inside an iframe) shows text matching `pattern`,
   * and returns that webview's whole text.
   */
  async waitForWebviewText(pattern: string | RegExp, timeoutMs = UI_TIMEOUT_MS): Promise<string> {
    let seen: string[] = [];
    return waitFor(`a webview showing ${pattern}`, async () => {
      seen = [];
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame()) continue;
        const text = await frame.locator('body').innerText({ timeout: 1_000 }).catch(() => '');
        if (!text.trim()) continue;
        seen.push(text.replace(/\s+/g, ' ').trim().slice(0, 200));
        if (matches(text, pattern)) return text;
      }
      return undefined;
    }, { timeoutMs, hint: () => `webviews showed [${seen.join(' | ')}]; ${this.logHint()}` });
  }

  /** The webview frame whose text matches `pattern` (for clicking inside it), once it shows. */
  async webviewFrame(pattern: string | RegExp, timeoutMs = UI_TIMEOUT_MS): Promise<Frame> {
    await this.waitForWebviewText(pattern, timeoutMs);
    for (const frame of this.page.frames()) {
      if (frame === this.page.mainFrame()) continue;
      const text = await frame.locator('body').innerText({ timeout: 1_000 }).catch(() => '');
      if (matches(text, pattern)) return frame;
    }
    throw new Error(`the webview showing ${pattern} went away`);
  }

  /**
   * Closes Chromium; a workbench from startWorkbench also stops its code-server (and extension host) and removes
   * its temp dirs. Safe to call twice.
   */
  async close(): Promise<void> {
    await withTimeout('closing Chromium', this.browser.close(), CLOSE_TIMEOUT_MS).catch(() => undefined);
    if (!this.owned) return;
    await this.owned.server.stop();
    if (process.env.ETCD_OPS_E2E_KEEP) {
      process.stderr.write(`e2e: kept ${this.owned.tempRoot}\n`);
    } else {
      fs.rmSync(this.owned.tempRoot, { recursive: true, force: true });
    }
  }
}

export function startWorkbench(options: WorkbenchOptions = {}): Promise<Workbench> {
  return Workbench.start(options);
}

/** A workbench on a code-server someone else runs (see Workbench.attach). */
export function attachWorkbench(options: AttachOptions): Promise<Workbench> {
  return Workbench.attach(options);
}
