// Member names, error text, URLs and node notes come from the network or disk. A tooltip must show them as
// text: a member named "[x](command:etcdOps.removeMember)" must never become a link (a click would run the
// command), nor raw HTML, autolinks or extra table cells. (Theme icons are off in these tooltips: VS Code finds
// "$(icon)" in the rendered text, where no markdown escape is left to stop it.) Rendered with markdown-it (CommonMark +
// tables + linkify, as VS Code's renderer does), so escaping that does not hold fails here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeMarkdown, memberTooltipMarkdown, nodeTooltipMarkdown } from '../../../src/extension/tree/tooltips';
import { health } from '../simulator-panel/health-fixture';

// markdown-it is a dev dependency: it renders CommonMark as the workbench does (@vscode/vsce uses it for the README too).
const MarkdownIt = require('markdown-it') as new (options: object) => { render(src: string): string };
const md = new MarkdownIt({ html: true, linkify: true });

const HOSTILE = '[x](command:etcdOps.removeMember)';
const nasty = [HOSTILE, '<img src=x onerror=alert(1)>', '$(error) fake icon', 'a | b', 'line\nbreak', 'https://evil.example/x',
  '**bold** _it_ `code`', '&lt;entity&gt;', '\\[still text]', '![img](https://evil.example/p.png)', '<https://evil.example>'];

/** Text content of the rendered HTML with tags removed and the few entities markdown-it writes decoded. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

function assertInert(markdown: string, shown: string[]): void {
  const html = md.render(markdown);
  assert.doesNotMatch(html, /<a[\s>]/, `no link in ${html}`);
  assert.doesNotMatch(html, /<(img|script|b|i)[\s>]|<[^>]*onerror/, `no raw HTML in ${html}`);
  assert.doesNotMatch(markdown, /(^|[^\\])\$\(error\)/, 'no theme icon syntax left unescaped');
  const text = textOf(html);
  for (const s of shown) assert.ok(text.includes(s.replace(/\n/g, ' ')), `"${s}" is shown as text in ${text}`);
}

describe('tooltips', () => {
  it('a member named like a command link renders as that text, with no link', () => {
    const h = health();
    const m = { ...h.members[1]!, name: HOSTILE, error: 'status: <b>x</b> [click](https://evil.example)', healthy: false };
    const markdown = memberTooltipMarkdown(m, h);
    assertInert(markdown, [HOSTILE, 'status: <b>x</b> [click](https://evil.example)']);
    assert.match(markdown, /`91bc3c398fb3c146`/, 'our own markup (the id as code) is kept');
  });

  it('every field from the network stays in its table cell, whatever it holds', () => {
    const h = health();
    for (const value of nasty) {
      const m = { ...h.members[0]!, name: value, error: value, healthy: false, endpoint: value, clientURLs: [value], peerURLs: [value], alarms: [value] };
      const markdown = memberTooltipMarkdown(m, { ...h, clusterId: value });
      assertInert(markdown, [value]);
      const html = md.render(markdown);
      assert.equal((html.match(/<tr>/g) ?? []).length, 15, `one header row and 14 field rows for ${JSON.stringify(value)}`);
      assert.equal((html.match(/<td>/g) ?? []).length, 28, `two cells per row for ${JSON.stringify(value)}`);
    }
  });

  it('a control-plane node tooltip escapes names, addresses and notes from the Kubernetes API', () => {
    const h = health();
    const node = { name: HOSTILE, roles: ['control-plane', '<i>etcd</i>'], kubeletVersion: '$(error) v1.31', addresses: ['https://evil.example'],
      problems: ['[fix](command:etcdOps.removeMember)'], notes: ['**note**'], memberId: null };
    assertInert(nodeTooltipMarkdown(node, { ...h.members[0]!, name: HOSTILE }), [HOSTILE, '<i>etcd</i>', '$(error) v1.31', 'https://evil.example', '**note**']);
    assertInert(nodeTooltipMarkdown({ ...node, memberId: '](command:x)' }, undefined), ['](command:x)']);
  });

  it('escaping keeps plain names readable and is one line', () => {
    assert.equal(escapeMarkdown('etcd-a'), 'etcd\\-a');
    assert.equal(md.render(escapeMarkdown('etcd-a.example_1')).trim(), '<p>etcd-a.example_1</p>');
    assert.doesNotMatch(escapeMarkdown('a\r\nb\nc'), /\n|\r/);
  });
});
