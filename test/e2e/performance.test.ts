// The Member Performance panel in a real VS Code (code-server) on a real three-member TLS etcd cluster: the
// background sampler reads every member's /metrics, and the panel, opened from the palette, charts each of the
// three members (named by the ids etcd reports) with threshold lines and the findings beside them.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { EtcdTestCluster } from '../harness/etcd-cluster';
import { clusterAndVsix, connectionSettings } from './harness/extension-under-test';
import { waitFor } from './harness/wait';
import { screenshotDir, startWorkbench, type Workbench } from './harness/workbench';

let cluster: EtcdTestCluster;
let wb: Workbench;
let tempDir: string;

before(async () => {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-e2e-perf-'));
  const vsixPath = await clusterAndVsix(tempDir, (c) => { cluster = c; });
  wb = await startWorkbench({ vsixPath, screenshotDir: screenshotDir(), settings: { ...connectionSettings(cluster, 'e2e perf'), 'etcdOps.refresh.intervalSeconds': 2 } });
}, { timeout: 20 * 60_000 });

after(async () => {
  await wb?.close();
  await cluster?.close();
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
});

test('Member Performance charts the three members of the real cluster, with threshold lines and findings', { timeout: 180_000 }, async () => {
  const raw = await cluster.etcdctl(['member', 'list', '-w', 'json']);
  const ids = [...raw.matchAll(/"ID":(\d+),"name":"([^"]*)"/g)].map(([, id]) => BigInt(id!).toString(16)).sort();
  assert.equal(ids.length, 3);
  await wb.showView('etcd Ops');
  await wb.waitForTree('three members', (rows) => rows.filter((r) => /^m\d$/.test(r.label)).length === 3);
  await wb.runCommand('etcd Ops: Member Performance');
  await wb.waitForWebviewText(/Member Performance/);
  // Two 10 s samples make the first window.
  const frame = await wb.webviewFrame(/Findings \(latest window\)/, 60_000);
  let shown: string[] = [];
  await waitFor('three member sections', async () => {
    shown = (await frame.locator('section.member').evaluateAll((els) => els.map((e) => e.getAttribute('data-member') ?? ''))).sort();
    return shown.length === 3;
  }, { timeoutMs: 30_000, hint: () => JSON.stringify(shown) });
  assert.deepEqual(shown, ids, 'the panel names the members by the ids etcdctl reports');
  // Per member: fsync, commit, RTT and leader-change charts; a threshold line on each of the first three.
  assert.equal(await frame.locator('section.member figure.chart').count(), 12);
  assert.equal(await frame.locator('section.member line.threshold').count(), 9);
  // An idle cluster fsyncs nothing in a window ("no data yet"): writes through etcdctl give every member figures.
  let writing = true;
  const writes = (async () => { for (let i = 0; writing; i++) await cluster.etcdctl(['put', `/e2e/perf/${i % 10}`, String(i)]).catch(() => undefined); })();
  let captions: string[] = [];
  try {
    await waitFor('a WAL fsync figure for each member', async () => {
      captions = await frame.locator('section.member figcaption').allInnerTexts();
      return captions.filter((c) => /^WAL fsync p99 — latest [\d.]+ ms$/.test(c)).length === 3;
    }, { timeoutMs: 60_000, hint: () => captions.join(' | ') });
  } finally {
    writing = false;
    await writes;
  }
  assert.ok(captions.filter((c) => /^Leader changes per window — latest \d+$/.test(c)).length === 3, captions.join(' | '));
  await wb.screenshot('member-performance');
});
