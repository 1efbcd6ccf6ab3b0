// The status bar's Markdown tooltip lists every cluster with its state and links to show it. Its MarkdownString
// trusts the listed commands, so a cluster label or an error text from the network must never become a link:
// the only links are the ones we wrote. Rendered with markdown-it as tooltips.test.ts does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterEntry } from '../../../src/extension/cluster-registry';
import { lastRefreshText, STATUS_TOOLTIP_COMMANDS, statusTooltipMarkdown } from '../../../src/extension/status-text';
import { health, THREE } from '../simulator-panel/health-fixture';

const MarkdownIt = require('markdown-it') as new (options: object) => { render(src: string): string };
const md = new MarkdownIt({ html: true, linkify: true });
const NOW = Date.UTC(2025, 0, 1, 12, 0, 30);

function entry(key: string, label: string, patch: Partial<ClusterEntry> = {}): ClusterEntry {
  return { key, label, port: null, profile: null, simulated: false, health: health(), error: null, refreshing: false, controlPlane: null, refreshedAt: NOW - 12_000, ...patch };
}

const links = (html: string) => [...html.matchAll(/<a href="([^"]*)"/g)].map((m) => decodeURIComponent(m[1]!.replace(/&amp;/g, '&')));

describe('status bar tooltip', () => {
  it('lists every cluster with its state and refresh time, each with a link that shows that cluster', () => {
    const down = health(THREE.map((m) => (m.name === 'etcd-c' ? { ...m, healthy: false } : m)));
    const text = statusTooltipMarkdown([entry('etcd:prod', 'prod', { health: down }), entry('etcd:stage (eu)', 'stage')], NOW, { paused: false, intervalMs: 15_000 });
    const html = md.render(text);
    assert.match(html, /<strong>prod<\/strong>: etcd 2\/3 · leader etcd-a — last refresh [\d:]+ \(12 s ago\)/);
    assert.match(html, /<strong>stage<\/strong>: etcd 3\/3 · leader etcd-a/);
    assert.match(html, /Refreshing every 15 s/);
    const hrefs = links(html);
    assert.ok(hrefs.includes('command:etcdOps.focus?["etcd:prod"]'), hrefs.join(' '));
    assert.ok(hrefs.includes('command:etcdOps.focus?["etcd:stage (eu)"]'), 'a key with parentheses survives as the link target');
    for (const h of hrefs) assert.ok(STATUS_TOOLTIP_COMMANDS.includes(h.slice('command:'.length).split('?')[0]!), `${h} is a trusted command`);
  });

  it('shows labels and errors from outside as text, never as links or HTML', () => {
    const hostile = '[x](command:etcdOps.removeMember) <img src=x onerror=alert(1)>';
    const html = md.render(statusTooltipMarkdown([entry('k', hostile, { error: hostile })], NOW, { paused: true, intervalMs: null }));
    assert.ok(links(html).every((h) => !h.includes('removeMember')), html);
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /Refresh paused/);
    assert.ok(links(html).includes('command:etcdOps.resumeRefresh'));
  });

  it('says when a cluster was never refreshed, and counts minutes past 90 s', () => {
    assert.equal(lastRefreshText({ refreshedAt: undefined }, NOW), 'not refreshed yet');
    assert.match(lastRefreshText({ refreshedAt: NOW - 5 * 60_000 }, NOW), /\(5 min ago\)$/);
  });
});
