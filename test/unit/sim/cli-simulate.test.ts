// `etcd-ops simulate` through the CLI's own entry point (main), with captured output.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli';
import { CliIo } from '../../../src/cli/output';
import { parseJsonLines } from '../../../src/core/sim/trace';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; }, interactive: false, ask: async () => '' };
  const code = await main(['simulate', ...argv], io);
  return { code, out, err };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-sim-'));

test('--json prints runs, seed, quorumLostRuns, leaderlessMs {p50, p95, max}, eventsPerSec', async () => {
  const r = await run('--scenario', 'remove-leader-naive', '--members', '3', '--runs', '20', '--seed', '9', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.runs, 20);
  assert.equal(j.seed, 9);
  assert.equal(typeof j.quorumLostRuns, 'number');
  for (const k of ['p50', 'p95', 'max']) assert.equal(typeof j.leaderlessMs[k], 'number');
  assert.ok(j.leaderlessMs.p50 > 1000);
  assert.ok(j.eventsPerSec > 0);
  assert.deepEqual(j.timing, { heartbeatMs: 100, electionMs: 1000, preVote: true, checkQuorum: true, stepDownOnRemoval: false });
});

test('readable summary, timing flags, and a trace of the worst run as JSON lines', async () => {
  const trace = path.join(tmp, 'trace.jsonl');
  const r = await run('--scenario', 'partition-leader', '--runs', '10', '--heartbeat', '50', '--election', '600', '--pre-vote', 'false', '--trace', trace);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /quorum lost\s+\d+ of 10 runs/);
  assert.match(r.out, /heartbeat 50 ms, election 600 ms, pre-vote off/);
  assert.match(r.out, /worst seed\s+\d+/);
  const events = parseJsonLines(fs.readFileSync(trace, 'utf8'));
  assert.ok(events.some((e) => e.event === 'partition'));
  assert.ok(events.some((e) => e.event === 'become-leader'));
});

test('a JSON scenario file and a topology from `status --json`', async () => {
  const file = path.join(tmp, 'scenario.json');
  fs.writeFileSync(file, JSON.stringify({ name: 'kill-first', steps: [{ action: 'crash', member: 'm1', at: 500, durationMs: 2000 }] }));
  const topo = path.join(tmp, 'status.json');
  const member = (id: string, name: string, leader: boolean, healthy = true) => ({
    id, name, endpoint: `https://${name}:2379`, healthy, isLeader: leader, isLearner: false, started: true, raftTerm: 4,
    raftIndex: 5000, appliedIndex: 5000, dbSize: 1e7, dbSizeInUse: 8e6, version: '3.5.12', latencyMs: 1, alarms: [], error: null,
    peerURLs: [`https://${name}:2380`], clientURLs: [`https://${name}:2379`],
  });
  fs.writeFileSync(topo, JSON.stringify({ clusterId: 'c', leader: 'aa', members: [member('aa', 'cp-a', true), member('bb', 'cp-b', false), member('cc', 'cp-c', false)] }));
  const r = await run('--scenario', file, '--topology', topo, '--runs', '5', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.scenario, 'kill-first');
  assert.equal(j.members, 3);
  assert.ok(j.leaderlessMs.p50 > 500, 'killing the imported leader cp-a costs an election');
});

test('bad input: one line on stderr, non-zero exit', async () => {
  const cases: [string[], RegExp][] = [
    [[], /--scenario NAME\|FILE is required/],
    [['--scenario', 'nope'], /unknown scenario "nope"/],
    [['--scenario', 'remove-leader', '--runs', '0'], /--runs must be an integer >= 1/],
    [['--scenario', 'remove-leader', '--election', '200'], /at least 5 times the heartbeat/],
    [['--scenario', 'remove-leader', '--members', '1'], /needs --members >= 2/],
    [['--scenario', 'remove-leader', '--pre-vote', 'maybe'], /--pre-vote must be true or false/],
  ];
  const bad = path.join(tmp, 'bad.json');
  fs.writeFileSync(bad, '{"name": "b", "steps": [{"action": "crash"}]}');
  cases.push([['--scenario', bad], /needs "member"/]);
  for (const [argv, re] of cases) {
    const r = await run(...argv);
    assert.notEqual(r.code, 0, argv.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, re);
    assert.equal(r.out, '');
  }
});

test('--list shows the built-in scenarios', async () => {
  const r = await run('--list');
  assert.equal(r.code, 0);
  for (const s of ['first-member-down', 'remove-leader', 'remove-leader-naive', 'concurrent-joins', 'replace-first-member', 'partition-leader', 'random-faults']) {
    assert.match(r.out, new RegExp(`^${s}\\s`, 'm'));
  }
});

test('--workers: the runs split over threads give the same summary as one thread', async () => {
  const common = ['--scenario', 'random-faults', '--members', '3', '--runs', '12', '--seed', '40', '--json'];
  const one = await run(...common, '--workers', '1');
  const two = await run(...common, '--workers', '2');
  assert.equal(one.code, 0, one.err);
  assert.equal(two.code, 0, two.err);
  const strip = (o: string) => { const j = JSON.parse(o); delete j.wallMs; delete j.eventsPerSec; delete j.messagesPerSec; delete j.workers; delete j.cpuMs; return j; };
  assert.equal(JSON.parse(two.out).workers, 2);
  assert.deepEqual(strip(two.out), strip(one.out));
});

test('--etcd-version picks that version\'s rules and the output says which rules were used', async () => {
  const r34 = await run('--scenario', 'partition-leader', '--runs', '3', '--etcd-version', '3.4', '--json');
  assert.equal(r34.code, 0, r34.err);
  const j34 = JSON.parse(r34.out);
  assert.equal(j34.rules.version, '3.4');
  assert.equal(j34.rules.source, 'flag');
  assert.equal(j34.timing.preVote, false, "3.4's default is pre-vote off");
  assert.match(j34.rulesText, /^etcd 3\.4 rules \(asked for 3\.4\): pre-vote off/);
  const r35 = await run('--scenario', 'partition-leader', '--runs', '3', '--etcd-version', 'v3.5.24');
  assert.equal(r35.code, 0, r35.err);
  assert.match(r35.out, /^rules: etcd 3\.5 rules \(asked for v3\.5\.24\): pre-vote on/m);
  const plain = await run('--scenario', 'partition-leader', '--runs', '3');
  assert.match(plain.out, /^rules: etcd 3\.6 rules \(the cluster's version is unknown, so the default 3\.6\)/m);
  const forced = await run('--scenario', 'partition-leader', '--runs', '3', '--etcd-version', '3.4', '--pre-vote', 'true', '--json');
  assert.equal(JSON.parse(forced.out).timing.preVote, true, 'a flag wins over the version default');
  const bad = await run('--scenario', 'partition-leader', '--runs', '3', '--etcd-version', '3.3');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--etcd-version: "3\.3" is not an etcd version the simulator has rules for/);
});

test('a topology brings its members\' version; --etcd-version overrides it', async () => {
  const topo = path.join(tmp, 'status-34.json');
  const member = (id: string, name: string, leader: boolean) => ({
    id, name, endpoint: `https://${name}:2379`, healthy: true, isLeader: leader, isLearner: false, started: true, raftTerm: 4,
    raftIndex: 5000, appliedIndex: 5000, dbSize: 1e7, dbSizeInUse: 8e6, version: '3.4.23', latencyMs: 1, alarms: [], error: null,
    peerURLs: [`https://${name}:2380`], clientURLs: [`https://${name}:2379`],
  });
  fs.writeFileSync(topo, JSON.stringify({ leader: 'aa', members: [member('aa', 'a', true), member('bb', 'b', false), member('cc', 'c', false)] }));
  const fromTopology = JSON.parse((await run('--scenario', 'partition-leader', '--topology', topo, '--runs', '2', '--json')).out);
  assert.equal(fromTopology.rules.version, '3.4');
  assert.equal(fromTopology.rules.source, 'topology');
  assert.equal(fromTopology.timing.preVote, false);
  const overridden = JSON.parse((await run('--scenario', 'partition-leader', '--topology', topo, '--runs', '2', '--etcd-version', '3.6', '--json')).out);
  assert.equal(overridden.rules.version, '3.6');
  assert.equal(overridden.timing.preVote, true);
  // A status without versions does not pretend to be any release.
  fs.writeFileSync(topo, JSON.stringify({ leader: 'aa', members: [member('aa', 'a', true), member('bb', 'b', false)].map((m) => ({ ...m, version: undefined })) }));
  const unknown = JSON.parse((await run('--scenario', 'partition-leader', '--topology', topo, '--runs', '2', '--json')).out);
  assert.equal(unknown.rules.source, 'default');
});
