// The "Inspect Snapshot File" panel's content: the integrity result as static, escaped HTML (no script runs
// in that panel). No vscode import, so it is tested as plain code.
import { formatBytes, formatMs } from '../../core/format';
import type { SnapshotStatus } from '../../core/snapshot/status';

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));
}

function row(label: string, value: unknown): string {
  return `<tr><th scope="row">${escapeHtml(label)}</th><td class="mono">${escapeHtml(value)}</td></tr>`;
}

export function snapshotReportHtml(s: SnapshotStatus): string {
  const verdict = s.ok
    ? '<p class="badge">whole</p> <span class="muted">every check passed</span>'
    : `<p class="sev-error"><strong>DAMAGED</strong>: ${s.integrity.errors.length} problem(s); do not restore from this file.</p>`;
  const metas = s.integrity.metas.map((m) => `meta ${m.page}: ${m.ok ? `ok (txid ${m.txid})` : m.problem}`).join('; ');
  const table = [
    row('revision', s.revision),
    row('keys', `${s.totalKeys} live (${s.totalEntries} entries, ${s.keyBucketKeys} revisions in the key bucket)`),
    row('consistent index', s.consistentIndex ?? '-'),
    row('size', `${formatBytes(s.size)} by its meta page; file ${formatBytes(s.fileSize)}`),
    row('hash (as etcdutl)', s.hash),
    row('storage version', s.version ?? '-'),
    row('sha256 trailer', `${s.trailer}${s.sha256 ? ` ${s.sha256}` : ''}`),
    row('meta pages', metas || '-'),
    row('pages', `${s.integrity.pagesInUse} in use, ${s.integrity.pagesFree} free, page size ${s.integrity.pageSize ?? '-'}, freelist ${s.integrity.freelist}`),
    row('checked in', formatMs(s.ms)),
  ].join('\n');
  const list = (items: string[], cls: string) => (items.length ? `<ul>${items.map((e) => `<li class="${cls}">${escapeHtml(e)}</li>`).join('')}</ul>` : '');
  return `<main>
<h1>Snapshot: <span class="mono">${escapeHtml(s.file)}</span></h1>
${verdict}
${s.integrity.errors.length ? `<h2>Problems</h2>${list(s.integrity.errors, 'sev-error')}` : ''}
${s.integrity.warnings.length ? `<h2>Notes</h2>${list(s.integrity.warnings, 'sev-warning')}` : ''}
<h2>Contents</h2>
<table>${table}</table>
</main>`;
}
