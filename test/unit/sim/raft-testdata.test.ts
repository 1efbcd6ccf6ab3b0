// etcd-io/raft's data-driven reference cases, replayed through the simulator's RaftNode by a small
// interpreter (raft-interaction.ts). The files live in ../shared/raft-testdata beside the repository (override
// with RAFT_TESTDATA); they are read, not copied into this repository.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { committedIndex, voteResult } from '../../../src/core/sim/quorum';
import { parseTestdata, runTestdataFile } from './raft-interaction';

/** The repository root: the nearest folder above this file that holds package.json. */
function repoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

const DIR = process.env.RAFT_TESTDATA ?? path.resolve(repoRoot(__dirname), '..', 'shared', 'raft-testdata');
const present = fs.existsSync(DIR);
const skip = present ? false : `raft reference cases not found at ${DIR} (set RAFT_TESTDATA)`;

const FILES = [
  'single_node.txt', 'campaign.txt', 'checkquorum.txt', 'prevote.txt', 'forget_leader.txt', 'lagging_commit.txt',
  'confchange_v1_add_single.txt', 'confchange_v1_remove_leader.txt', 'confchange_v2_add_single_auto.txt',
];

for (const file of FILES) {
  test(`raft reference case ${file}: same roles, terms, leaders and commit indexes`, { skip }, () => {
    const it = runTestdataFile(path.join(DIR, file));
    assert.deepEqual(it.failures, []);
    assert.ok(it.checks >= 3, `only ${it.checks} checks ran`);
  });
}

test('confchange_v2_replace_leader: everything before the joint-consensus change agrees; the joint change is refused loudly', { skip }, () => {
  const blocks = parseTestdata(fs.readFileSync(path.join(DIR, 'confchange_v2_replace_leader.txt'), 'utf8'));
  const joint = blocks.findIndex((b) => b.command === 'propose-conf-change');
  assert.ok(joint > 0);
  const { Interaction, UnsupportedCommand } = require('./raft-interaction') as typeof import('./raft-interaction');
  const it = new Interaction('confchange_v2_replace_leader.txt');
  it.run(blocks.slice(0, joint));
  assert.deepEqual(it.failures, []);
  assert.throws(() => it.exec(blocks[joint]), UnsupportedCommand);
});

/** `committed cfg=(1,2,3) idx=(12,5,_)` -> voters' acked indexes, `_` unknown (0). */
function parseArgs(line: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of line.matchAll(/(\w+)=\(([^)]*)\)/g)) out.set(m[1], m[2].split(',').map((s) => s.trim()).filter(Boolean));
  return out;
}

test('majority commit index table (quorum/majority_commit.txt), exactly', { skip }, () => {
  const blocks = parseTestdata(fs.readFileSync(path.join(DIR, 'quorum', 'majority_commit.txt'), 'utf8'));
  let n = 0;
  for (const b of blocks) {
    const args = parseArgs([b.command, ...b.args].join(' '));
    const idx = (args.get('idx') ?? []).map((v) => (v === '_' ? 0 : Number(v)));
    const expected = b.expected[b.expected.length - 1].replace('<empty majority quorum>', '').trim();
    const got = committedIndex(idx);
    assert.equal(got === Infinity ? '∞' : String(got), expected, `line ${b.line}: ${b.command} ${b.args.join(' ')}`);
    n++;
  }
  assert.ok(n >= 15, `only ${n} cases`);
});

test('majority vote table (quorum/majority_vote.txt), exactly', { skip }, () => {
  const blocks = parseTestdata(fs.readFileSync(path.join(DIR, 'quorum', 'majority_vote.txt'), 'utf8'));
  let n = 0;
  for (const b of blocks) {
    const args = parseArgs([b.command, ...b.args].join(' '));
    const votes = (args.get('votes') ?? []).map((v) => (v === 'y' ? true : v === 'n' ? false : undefined));
    assert.equal(voteResult(votes), b.expected[0], `line ${b.line}`);
    n++;
  }
  assert.ok(n >= 20, `only ${n} cases`);
});
