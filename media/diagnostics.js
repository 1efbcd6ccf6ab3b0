// Diagnostics panel script: renders finding sources grouped by severity; actions go back to the extension.
(function () {
  const vscode = acquireVsCodeApi();
  const app = document.getElementById('app');
  const order = ['error', 'warning', 'info'];
  const labels = { error: 'Errors', warning: 'Warnings', info: 'Information' };

  // "1 error", "0 errors": counts as words (src/core/format.ts plural, which this untyped script cannot import).
  function plural(n, one) { return `${n} ${n === 1 ? one : one + 's'}`; }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'onclick') node.addEventListener('click', v); else node.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  // Buttons carry only the ids the extension made for this finding; it decides what each one does.
  function actions(f) {
    const row = el('div', { class: 'actions' });
    const ui = f.ui || {};
    if (ui.open) row.append(el('button', { class: 'secondary', onclick: () => vscode.postMessage({ type: 'openFile', id: ui.open }) }, 'Open file'));
    if (ui.copy) row.append(el('button', { class: 'secondary', title: f.command, onclick: () => vscode.postMessage({ type: 'copy', id: ui.copy }) }, 'Copy command'));
    if (ui.run) row.append(el('button', { onclick: () => vscode.postMessage({ type: 'run', id: ui.run.id }) }, ui.run.title));
    return row.childNodes.length ? row : null;
  }

  function render(sources) {
    app.replaceChildren();
    app.append(el('h1', {}, 'etcd Diagnostics'));
    if (!sources.length) { app.append(el('p', { class: 'empty muted' }, 'No diagnosis yet. Run "Diagnose this node", "Diagnose data directory…" or "Inspect certificates…".')); return; }
    const counts = { error: 0, warning: 0, info: 0 };
    for (const s of sources) for (const f of s.findings) counts[f.severity]++;
    app.append(el('p', { class: 'muted', id: 'summary' }, `${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')}, ${plural(counts.info, 'note')} from ${plural(sources.length, 'source')}`));
    for (const s of sources) {
      const section = el('section', { 'aria-label': s.title });
      section.append(el('h2', {}, s.title, ' ', s.summary ? el('span', { class: 'badge', 'data-summary': '' }, s.summary) : null));
      if (!s.findings.length) section.append(el('p', { class: 'muted' }, 'Nothing to report.'));
      for (const sev of order) {
        const list = s.findings.filter((f) => f.severity === sev);
        if (!list.length) continue;
        section.append(el('div', { class: `muted sev-${sev}` }, labels[sev]));
        for (const f of list) {
          section.append(el('div', { class: 'card', tabindex: '0', 'data-code': f.code },
            el('div', { class: 'title' }, el('span', { class: `sev-${sev}` }, sev === 'error' ? '✖ ' : sev === 'warning' ? '⚠ ' : 'ℹ '), f.message, f.transient ? el('span', { class: 'badge' }, 'transient') : null),
            el('div', { class: 'muted' }, `${f.code} · ${f.subject}`),
            el('div', { class: 'remediation' }, 'What to do: ', f.remediation),
            f.command ? el('pre', { class: 'mono' }, f.command) : null,
            actions(f)));
        }
      }
      app.append(section);
    }
  }

  window.addEventListener('message', (e) => { if (e.data && e.data.type === 'sources') render(e.data.sources); });
  vscode.postMessage({ type: 'ready' });
})();
