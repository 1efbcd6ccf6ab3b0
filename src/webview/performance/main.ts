// The Member Performance webview: per member, fsync p99, commit p99, worst peer RTT p99 and leader changes over
// the last 30 minutes from the extension's own samples, thresholds as lines, the latest findings beside them.
// Host data goes into the page only as text nodes and SVG attributes.
import type { PerformanceView } from '../../extension/performance/view';
import { lineChart } from './chart';

interface VsCodeApi { postMessage(message: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

interface HostMessage { type: 'performance'; label: string; periodMs: number; view: PerformanceView | null }

function text<K extends keyof HTMLElementTagNameMap>(tag: K, value: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.textContent = value;
  if (className) e.className = className;
  return e;
}

function render(m: HostMessage): void {
  const app = document.getElementById('app')!;
  app.replaceChildren();
  app.appendChild(text('h1', `Member Performance — ${m.label}`));
  const v = m.view;
  if (!v || v.members.length === 0) {
    app.appendChild(text('p', `Collecting: etcd's metrics are read every ${m.periodMs / 1000} s; the first window appears after the second read.`, 'subtitle'));
    return;
  }
  app.appendChild(text('p', `Every ${m.periodMs / 1000} s, read-only, from each member's /metrics (latest window ${v.lastWindowSeconds ?? '—'} s). etcd measures peer round trips every 30 s.`, 'subtitle'));
  const to = Math.max(Date.now(), ...v.members.flatMap((s) => s.points.map((p) => p.at)));
  const from = to - v.spanMs;
  const layout = document.createElement('div');
  layout.className = 'layout';
  const members = document.createElement('div');
  members.className = 'members';
  for (const s of v.members) {
    const section = document.createElement('section');
    section.className = 'member';
    section.dataset.member = s.id ?? s.name;
    section.appendChild(text('h2', s.id ? `${s.name || '(unstarted)'} · ${s.id}` : s.name));
    if (s.error) section.appendChild(text('p', `No metrics in the latest window: ${s.error}`, 'error'));
    const grid = document.createElement('div');
    grid.className = 'charts';
    const series = (pick: (p: PerformanceView['members'][number]['points'][number]) => number | null) => s.points.map((p) => ({ at: p.at, value: pick(p) }));
    grid.append(
      lineChart({ title: 'WAL fsync p99', unit: 'ms', points: series((p) => p.walFsyncP99Ms), from, to, threshold: v.thresholds.walFsyncP99Ms }),
      lineChart({ title: 'Backend commit p99', unit: 'ms', points: series((p) => p.backendCommitP99Ms), from, to, threshold: v.thresholds.backendCommitP99Ms }),
      lineChart({ title: 'Peer RTT p99 (worst peer)', unit: 'ms', points: series((p) => p.peerRttP99Ms), from, to, threshold: v.thresholds.peerRttP99Ms }),
      lineChart({ title: 'Leader changes per window', unit: '', points: series((p) => p.leaderChanges), from, to, threshold: null, bars: true }),
    );
    section.appendChild(grid);
    members.appendChild(section);
  }
  const aside = document.createElement('aside');
  aside.className = 'findings';
  aside.appendChild(text('h2', 'Findings (latest window)'));
  if (!v.findings.length) aside.appendChild(text('p', 'Nothing crossed a threshold.', 'ok'));
  for (const f of v.findings) {
    const item = document.createElement('div');
    item.className = `finding ${f.severity}`;
    item.append(text('strong', `${f.severity.toUpperCase()} ${f.code}`), text('p', f.message), text('p', `What to do: ${f.remediation}`, 'remedy'));
    aside.appendChild(item);
  }
  layout.append(members, aside);
  app.appendChild(layout);
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const m = e.data as HostMessage | null;
  if (m && m.type === 'performance') render(m);
});
vscode.postMessage({ type: 'ready' });
