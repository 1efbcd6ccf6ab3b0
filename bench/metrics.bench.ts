// Metrics speed: one sampler round (scrape every member in parallel, parse, window figures, findings) vs the
// slowest single scrape of the same members (3 and 5 members; goal ≤ 1.5×), and the CPU one round costs,
// as a share of one core at the extension's 10 s sampling period (goal < 1 %). Every member here runs on the
// same few cores, so building N /metrics pages at once costs the servers N × the work a real cluster spreads
// over N machines: the sequential sum is printed beside the ratio to show how much parallelism is left.
import { refreshCluster } from '../src/core/etcd/live-health';
import { MetricsSampler, targetsFromHealth } from '../src/core/metrics';
import { EtcdTestCluster } from '../test/harness/etcd-cluster';
import { median, report, round } from './lib';

const SAMPLE_PERIOD_MS = 10000;

async function measure(members: number, rounds: number) {
  const cluster = await EtcdTestCluster.start({ members });
  try {
    const profile = { name: 'bench', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 5000 };
    const targets = targetsFromHealth(await refreshCluster(profile));
    const sampler = new MetricsSampler(profile);
    try {
      await sampler.tick(targets); // warm keep-alive connections, as the extension's sampler keeps them
      const ratios: number[] = [];
      const roundMs: number[] = [];
      const slowestMs: number[] = [];
      const sumMs: number[] = [];
      const cpuMs: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const single: number[] = [];
        for (const t of targets) {
          const started = performance.now();
          await sampler.scrapeAll([t]);
          single.push(performance.now() - started);
        }
        const cpu = process.cpuUsage();
        const started = performance.now();
        const w = await sampler.tick(targets);
        const ms = performance.now() - started;
        const used = process.cpuUsage(cpu);
        if (!w || w.members.some((m) => m.error)) throw new Error(`a round failed: ${JSON.stringify(w?.members.map((m) => m.error))}`);
        cpuMs.push((used.user + used.system) / 1000);
        roundMs.push(ms);
        slowestMs.push(Math.max(...single));
        sumMs.push(single.reduce((a, b) => a + b, 0));
        ratios.push(ms / Math.max(...single));
      }
      return { roundMs: median(roundMs), slowestMs: median(slowestMs), sumMs: median(sumMs), ratio: median(ratios), cpuMsPerRound: median(cpuMs) };
    } finally {
      sampler.close();
    }
  } finally {
    await cluster.close();
  }
}

async function mainBench() {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
  const three = await measure(3, rounds);
  const five = await measure(5, rounds);
  const share = (cpuMs: number) => round((cpuMs / SAMPLE_PERIOD_MS) * 100, 3);
  report('metrics', [
    ['3 members: round (scrape + summarise) ms', round(three.roundMs)],
    ['3 members: slowest single scrape ms', round(three.slowestMs)],
    ['3 members: single scrapes one after another ms', round(three.sumMs)],
    ['3 members: ratio (goal <= 1.5)', round(three.ratio, 2)],
    ['5 members: round ms', round(five.roundMs)],
    ['5 members: slowest single scrape ms', round(five.slowestMs)],
    ['5 members: single scrapes one after another ms', round(five.sumMs)],
    ['5 members: ratio (goal <= 1.5)', round(five.ratio, 2)],
    ['CPU per round, 3 members, ms', round(three.cpuMsPerRound)],
    ['background cost every 10 s, 3 members, % of one core (goal < 1)', share(three.cpuMsPerRound)],
    ['background cost every 10 s, 5 members, % of one core', share(five.cpuMsPerRound)],
  ], {
    rounds, ratio3: round(three.ratio, 2), ratio5: round(five.ratio, 2), roundMs3: round(three.roundMs), roundMs5: round(five.roundMs),
    slowestMs3: round(three.slowestMs), slowestMs5: round(five.slowestMs), cpuPercent3: share(three.cpuMsPerRound), cpuPercent5: share(five.cpuMsPerRound),
  });
}

mainBench().catch((err) => { console.error(err); process.exit(1); });
