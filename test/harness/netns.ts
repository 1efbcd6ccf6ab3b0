// A member host of its own for tests that need a real network partition: a network namespace with two veth
// links to this one, one for peer traffic and one for client traffic, so the peer link can be cut while the
// tool still reaches the member's client URL (a removed member that never heard of its removal, still
// answering with its stale member list). Needs root and iproute2 (`ip netns`), as CI has.
import { execFileSync } from 'node:child_process';

export interface IsolatedHost {
  netns: string;
  /** Address the isolated member listens on for peers, and the one the members here must use for theirs. */
  peerIp: string;
  hostPeerIp: string;
  /** Address the isolated member serves clients on (reachable from here whatever the peer link does). */
  clientIp: string;
  /** Cuts the peer link both ways (the namespace side goes down: nothing crosses, nothing is refused). */
  cutPeers(): void;
  healPeers(): void;
  destroy(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });

/** Whether this process may make namespaces (root with iproute2); the reason when not. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try { ip('netns', 'list'); return null; } catch (err) { return `ip netns is not usable here: ${(err as Error).message}`; }
}

let made = 0;

/** Makes the namespace and its links; subnets and names derive from the pid, so parallel test files differ. */
export function makeIsolatedHost(): IsolatedHost {
  const id = (process.pid % 200) + 20;
  const n = made++;
  const tag = `${id}${String.fromCharCode(97 + n)}`;
  const netns = `eo-ns-${process.pid}-${n}`;
  const [peerHere, peerThere, clientHere, clientThere] = [`eop${tag}h`, `eop${tag}n`, `eoc${tag}h`, `eoc${tag}n`];
  const peerNet = `10.213.${id}`;
  const clientNet = `10.214.${id}`;
  const host: IsolatedHost = {
    netns, peerIp: `${peerNet}.${2 + n * 4}`, hostPeerIp: `${peerNet}.${1 + n * 4}`, clientIp: `${clientNet}.${2 + n * 4}`,
    cutPeers: () => ip('netns', 'exec', netns, 'ip', 'link', 'set', peerThere, 'down'),
    healPeers: () => ip('netns', 'exec', netns, 'ip', 'link', 'set', peerThere, 'up'),
    destroy: () => {
      for (const dev of [peerHere, clientHere]) { try { ip('link', 'del', dev); } catch { /* gone with the namespace */ } }
      try { ip('netns', 'del', netns); } catch { /* already gone */ }
    },
  };
  try {
    ip('netns', 'add', netns);
    ip('netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up');
    for (const [here, there, hereIp, thereIp] of [
      [peerHere, peerThere, host.hostPeerIp, host.peerIp], [clientHere, clientThere, `${clientNet}.${1 + n * 4}`, host.clientIp],
    ]) {
      ip('link', 'add', here, 'type', 'veth', 'peer', 'name', there);
      ip('link', 'set', there, 'netns', netns);
      ip('addr', 'add', `${hereIp}/30`, 'dev', here);
      ip('link', 'set', here, 'up');
      ip('netns', 'exec', netns, 'ip', 'addr', 'add', `${thereIp}/30`, 'dev', there);
      ip('netns', 'exec', netns, 'ip', 'link', 'set', there, 'up');
    }
  } catch (err) {
    host.destroy();
    throw err;
  }
  return host;
}
