// Growing a healthy 3-member cluster by one, the way an operator does it, against etcdctl on the same real
// cluster: `etcd-ops add-member` (a learner) then `etcd-ops promote-member` of the started, caught-up learner,
// both as processes, vs `etcdctl member add --learner` then `etcdctl member promote`. Each round adds a member,
// starts it from the printed env, times the promotion once it is ready, and removes it again.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { EtcdTestCluster, HarnessMember, withoutCtlApi } from '../test/harness/etcd-cluster';
import { ctlMembers } from '../test/integration/ops-support';
import { median, report, round } from './lib';

const CLI = path.resolve(__dirname, '..', 'dist', 'cli.js');
const ROUNDS = 3;

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...withoutCtlApi(process.env), ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve({ ms: performance.now() - started, stdout });
    });
  });
}

/** etcdctl member add prints ETCD_NAME="..." lines: the env to start the member with. */
function envFromEtcdctl(out: string): Record<string, string> {
  return Object.fromEntries([...out.matchAll(/^(ETCD_[A-Z_]+)="([^"]*)"$/gm)].map((m) => [m[1], m[2]]));
}

async function round1(cluster: EtcdTestCluster, tool: 'etcdctl' | 'cli', n: number): Promise<{ add: number; promote: number }> {
  const voters = cluster.members.filter((m) => m.process);
  const endpoints = `--endpoints=${voters.map((m) => m.clientUrl).join(',')}`;
  const tls = [`--cacert=${cluster.tls.caFile}`, `--cert=${cluster.tls.certFile}`, `--key=${cluster.tls.keyFile}`];
  const m: HarnessMember = await cluster.reserveMember(`b${n}`);
  let add: { ms: number; stdout: string };
  let env: Record<string, string>;
  let id: string;
  for (let attempt = 0; ; attempt++) {
    try {
      add = tool === 'etcdctl'
        ? await timed(cluster.binaries.etcdctl, [endpoints, ...tls, 'member', 'add', m.name, `--peer-urls=${m.peerUrl}`, '--learner'], cluster.binaries.ctlEnv)
        : await timed(process.execPath, [CLI, 'add-member', '--name', m.name, '--peer-urls', m.peerUrl, '--yes', '--json', endpoints, ...tls]);
      break;
    } catch (err) {
      // etcd's strict check right after the previous round's removal: not the tool's time, ask again.
      if (attempt > 20 || !/unhealthy cluster|kept refusing/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  if (tool === 'etcdctl') {
    env = envFromEtcdctl(add.stdout);
    id = /Member ([0-9a-f]+) added/.exec(add.stdout)![1];
  } else {
    const j = JSON.parse(add.stdout) as { env: Record<string, string>; added: { id: string } };
    env = j.env;
    id = j.added.id;
  }
  cluster.startFromEnv(m, env);
  // Started and caught up (an empty cluster: once it answers) before the promotion is timed.
  await cluster.waitUntil(async () => (await ctlMembers(cluster, voters)).some((x) => x.name === m.name && x.started), 30_000, `${m.name} to start`);
  await cluster.waitUntil(async () => { await cluster.etcdctl(['endpoint', 'status'], [m.clientUrl], 4000); return true; }, 30_000, `${m.name} to answer`);
  await new Promise((r) => setTimeout(r, 1000));
  const promote = tool === 'etcdctl'
    ? await timed(cluster.binaries.etcdctl, [endpoints, ...tls, 'member', 'promote', id], cluster.binaries.ctlEnv)
    : await timed(process.execPath, [CLI, 'promote-member', '--member', id, '--yes', endpoints, ...tls]);
  const listed = (await ctlMembers(cluster, voters)).find((x) => x.name === m.name);
  if (!listed || listed.learner) throw new Error(`${tool}: ${m.name} is not a voter after the promotion`);
  // Back to three voters for the next round.
  await cluster.etcdctl(['member', 'remove', listed.id], voters.map((v) => v.clientUrl));
  await cluster.kill(m.name);
  cluster.members.splice(cluster.members.indexOf(m), 1);
  return { add: add.ms, promote: promote.ms };
}

async function main() {
  const cluster = await EtcdTestCluster.start({ members: 3 });
  const times = { etcdctl: [] as number[], cli: [] as number[] };
  try {
    await new Promise((r) => setTimeout(r, 5500)); // past etcd's 5 s strict-check window after start
    for (let i = 0; i < ROUNDS; i++) {
      for (const tool of (i % 2 ? ['cli', 'etcdctl'] : ['etcdctl', 'cli']) as ('etcdctl' | 'cli')[]) {
        const r = await round1(cluster, tool, i * 2 + (tool === 'cli' ? 1 : 0));
        times[tool].push(r.add + r.promote);
      }
    }
  } finally {
    await cluster.close();
  }
  const json = {
    addPromoteEtcdctlMs: round(median(times.etcdctl)), addPromoteCliMs: round(median(times.cli)),
    addPromoteRatio: round(median(times.cli) / median(times.etcdctl), 2), rounds: ROUNDS,
  };
  report('membership', [
    ['etcdctl member add --learner + member promote (median)', `${json.addPromoteEtcdctlMs} ms`],
    ['etcd-ops add-member + promote-member, processes', `${json.addPromoteCliMs} ms = ${json.addPromoteRatio}x etcdctl (goal <= 2.5)`],
  ], json);
}

main().catch((err) => { console.error(err); process.exit(1); });
