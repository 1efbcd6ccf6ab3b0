// What the diagnostics webview may ask of the extension. The webview never names a command, a path or a text:
// each button carries an id the extension made for that finding, and only ids it handed out resolve. Commands
// an action may run are listed here with a check of their arguments; anything else is refused, with the reason.
// No VS Code here: the panel (diagnostics-panel.ts) carries out what resolve() returns.
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { Finding } from '../../core/findings';

/** A button next to a finding: run one of our commands. */
export interface FindingAction { title: string; command: string; args?: unknown[] }
export type ActionableFinding = Finding & { action?: FindingAction };

export interface FindingSource {
  /** e.g. "Live health: local etcd", "Data dir /var/lib/etcd", "Certificates /etc/kubernetes/pki/etcd" */
  title: string;
  /** A headline fact, e.g. "state: removed" or "member 8e9e05c52164694d". */
  summary?: string;
  findings: ActionableFinding[];
}

/** A finding as the webview gets it: no command to run, only ids of what its buttons may ask for. */
export type PresentedFinding = Omit<Finding, 'file'> & {
  file?: { path: string; line?: number };
  ui: { open?: string; copy?: string; run?: { id: string; title: string } };
};
export interface PresentedSource { title: string; summary?: string; findings: PresentedFinding[] }

export type Resolved =
  | { kind: 'ready' }
  | { kind: 'run'; command: string; args: unknown[] }
  | { kind: 'open'; path: string; line: number }
  | { kind: 'copy'; text: string }
  | { kind: 'refused'; reason: string };

const noArgs = (args: unknown[]) => args.length === 0;
const onePath = (args: unknown[]) => args.length === 1 && typeof args[0] === 'string' && path.isAbsolute(args[0]) && !args[0].includes('\0');

/** The commands a finding may offer, each with what its arguments must be. Destructive ones only as dry runs. */
export const OFFERABLE_COMMANDS: Readonly<Record<string, (args: unknown[]) => boolean>> = {
  'etcdOps.rehearse': noArgs,
  'etcdOps.removeMemberDryRun': noArgs,
  'etcdOps.transferLeadership': noArgs,
  'etcdOps.refresh': noArgs,
  'etcdOps.showLog': noArgs,
  'etcdOps.diagnoseDataDir': onePath,
  'etcdOps.inspectCertificates': onePath,
  'etcdOps.checkJoinReadiness': onePath,
};

function offerable(action: FindingAction | undefined): action is FindingAction {
  if (!action || typeof action.command !== 'string' || !Object.hasOwn(OFFERABLE_COMMANDS, action.command)) return false;
  const args = action.args ?? [];
  return Array.isArray(args) && OFFERABLE_COMMANDS[action.command](args);
}

type Entry = { kind: 'run'; command: string; args: unknown[] } | { kind: 'open'; path: string; line: number } | { kind: 'copy'; text: string };
const MESSAGE_TYPES: Record<string, Entry['kind']> = { run: 'run', openFile: 'open', copy: 'copy' };
const ID = /^[0-9a-f]{24}$/;

export class PanelActions {
  private entries = new Map<string, Entry>();
  /** Ids are unguessable, and the same for the same action across refreshes (a click during a redraw still works). */
  private readonly salt = randomBytes(16).toString('hex');

  private idOf(entry: Entry, where: string): string {
    return createHash('sha256').update(this.salt).update(JSON.stringify([where, entry])).digest('hex').slice(0, 24);
  }

  /** What to post to the webview; remembers the ids it hands out (only the latest render's ids are honoured). */
  present(sources: FindingSource[]): PresentedSource[] {
    const next = new Map<string, Entry>();
    const add = (entry: Entry, where: string) => { const id = this.idOf(entry, where); next.set(id, entry); return id; };
    const out = sources.map((s) => ({
      title: s.title, summary: s.summary,
      findings: s.findings.map((f, i): PresentedFinding => {
        const { action, ...finding } = f;
        const where = `${s.title}\n${i}\n${f.code}\n${f.subject}`;
        const ui: PresentedFinding['ui'] = {};
        if (f.file && typeof f.file.path === 'string' && path.isAbsolute(f.file.path)) {
          ui.open = add({ kind: 'open', path: f.file.path, line: Number.isInteger(f.file.line) && f.file.line! > 0 ? f.file.line! : 1 }, where);
        }
        if (typeof f.command === 'string' && f.command) ui.copy = add({ kind: 'copy', text: f.command }, where);
        if (offerable(action)) ui.run = { id: add({ kind: 'run', command: action.command, args: [...(action.args ?? [])] }, where), title: String(action.title) };
        return { ...finding, ui };
      }),
    }));
    this.entries = next;
    return out;
  }

  /** What a message from the webview asks for, or why it is refused. */
  resolve(message: unknown): Resolved {
    if (typeof message !== 'object' || message === null) return { kind: 'refused', reason: 'not a message' };
    const m = message as Record<string, unknown>;
    if (m.type === 'ready' && Object.keys(m).length === 1) return { kind: 'ready' };
    const kind = typeof m.type === 'string' && Object.hasOwn(MESSAGE_TYPES, m.type) ? MESSAGE_TYPES[m.type] : undefined;
    if (!kind) return { kind: 'refused', reason: `unknown request ${JSON.stringify(String(m.type)).slice(0, 40)}` };
    const extra = Object.keys(m).filter((k) => k !== 'type' && k !== 'id');
    if (extra.length) return { kind: 'refused', reason: `the panel names what it offered by id only, not by ${extra.join(', ')}` };
    const entry = typeof m.id === 'string' && ID.test(m.id) ? this.entries.get(m.id) : undefined;
    if (!entry || entry.kind !== kind) return { kind: 'refused', reason: 'that action is not offered (any more) for a finding in the panel' };
    if (entry.kind === 'run' && !offerable({ title: '', command: entry.command, args: entry.args })) {
      return { kind: 'refused', reason: `${entry.command} may not run from the panel` };
    }
    return entry.kind === 'run' ? { kind: 'run', command: entry.command, args: [...entry.args] } : entry;
  }
}
