// Findings about configuration files: the single-endpoint trap (k3s failure: control-plane nodes that only
// knew the first server crash-looped when it stopped) and files that cannot be read or parsed.
import { isIP } from 'node:net';
import { Finding, finding } from '../findings';
import { FileRead } from './node-fs';
import { YamlError } from './yaml';

function hostOf(url: string): string {
  try { return new URL(url).hostname.replace(/^\[|\]$/g, ''); } catch { return url.replace(/^[a-z]+:\/\//, '').split(/[:/]/)[0]; }
}

/**
 * A join/registration address naming one server. An IP names one machine for sure (warning); a DNS name may
 * be a load balancer or round-robin record, so it only earns a reminder (info).
 */
export function singleServerFinding(file: string, line: number | undefined, key: string, url: string, distro: string): Finding {
  const ip = isIP(hostOf(url)) !== 0;
  return finding(ip ? 'warning' : 'info', 'single-endpoint-config', file,
    `${file}${line ? `:${line}` : ''} sets ${key}: ${url}, a single ${ip ? 'server' : 'address'}. If that server is down, this node `
      + `cannot fetch the cluster CA or join on restart (the ${distro} first-server failure).`,
    ip
      ? `Point ${key} at a fixed registration address that reaches every server (load balancer, VIP or round-robin DNS).`
      : `Make sure ${hostOf(url)} is a load balancer or DNS name that reaches every server, not one machine.`,
    { file: { path: file, line } });
}

/** An etcd endpoint list with one entry: that member going down cuts this client off. */
export function singleEtcdEndpointFinding(file: string, line: number | undefined, key: string, url: string): Finding {
  return finding('warning', 'single-endpoint-config', file,
    `${file}${line ? `:${line}` : ''} gives ${key} a single etcd endpoint, ${url}. If that member is down, this client loses etcd even while the cluster keeps quorum.`,
    `List every etcd member's client URL in ${key}.`,
    { file: { path: file, line } });
}

export function unreadableConfigFinding(r: Extract<FileRead, { reason: 'unreadable' }>, what: string): Finding {
  return finding('warning', 'config-unreadable', r.path, `The ${what} ${r.path} cannot be read: ${r.detail}.`,
    'Run as root (e.g. sudo) or grant read access; discovery continues without it.', { file: { path: r.path } });
}

export function invalidConfigFinding(e: YamlError, what: string): Finding {
  return finding('error', 'config-invalid', e.file, `The ${what} ${e.file}${e.line ? ` (line ${e.line})` : ''} is not valid YAML: ${e.reason}.`,
    'Fix the syntax: the distribution itself will fail to read this file on its next start.',
    { file: { path: e.file, line: e.line } });
}
