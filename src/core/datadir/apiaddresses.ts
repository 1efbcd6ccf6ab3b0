// The k3s/RKE2 list of API server addresses kept in etcd (key `k3s/apiaddresses` / `rke2/apiaddresses`).
// Joining servers read it to find the API; while the first servers are still starting it is absent or
// empty, which RKE2 reports as "apiserver addresses not yet set". That is a transient state during joins,
// shown as such, not an error. Pure function over the value fetched from etcd (null = key absent).
import * as net from 'node:net';
import { Finding, finding } from '../findings';

export type ApiAddressProgram = 'k3s' | 'rke2';

export function apiAddressesKey(program: ApiAddressProgram): string {
  return `${program}/apiaddresses`;
}

function validHostPort(s: string): boolean {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(s);
  if (!m) return false;
  const port = Number(m[2]);
  const host = m[1].replace(/^\[|\]$/g, '');
  return port > 0 && port < 65536 && (net.isIP(host) !== 0 || /^[A-Za-z0-9.-]+$/.test(host));
}

export interface ApiAddressesResult {
  addresses: string[];
  findings: Finding[];
}

export function checkApiAddresses(program: ApiAddressProgram, value: string | null): ApiAddressesResult {
  const key = apiAddressesKey(program);
  const retry = `Wait for a server that has finished starting to write it (${program} does so once its API server runs), then read it again: etcdctl get ${key}`;
  if (value === null || value.trim() === '') {
    return {
      addresses: [],
      findings: [finding('warning', 'apiaddresses-not-set', key,
        `${key} is ${value === null ? 'not in etcd' : 'empty'} yet: joining servers that read it now fail with "apiserver addresses not yet set". Expected while the first servers are starting or right after a cluster reset.`,
        retry, { transient: true, command: `etcdctl get ${key}` })],
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return {
      addresses: [],
      findings: [finding('error', 'apiaddresses-invalid', key, `${key} does not hold the JSON list ${program} writes: ${JSON.stringify(value.slice(0, 80))}.`,
        `Restart ${program} on a healthy server so it rewrites the key, or delete the key (etcdctl del ${key}) and let the servers write it again.`)],
    };
  }
  if (!Array.isArray(parsed) || parsed.some((a) => typeof a !== 'string')) {
    return {
      addresses: [],
      findings: [finding('error', 'apiaddresses-invalid', key, `${key} is JSON but not a list of "host:port" strings.`,
        `Restart ${program} on a healthy server so it rewrites the key, or delete it (etcdctl del ${key}).`)],
    };
  }
  const addresses = parsed as string[];
  if (!addresses.length) {
    return {
      addresses,
      findings: [finding('warning', 'apiaddresses-not-set', key, `${key} is an empty list: no server has published its API address yet.`, retry,
        { transient: true, command: `etcdctl get ${key}` })],
    };
  }
  const findings: Finding[] = [];
  const bad = addresses.filter((a) => !validHostPort(a));
  if (bad.length) {
    findings.push(finding('warning', 'apiaddresses-malformed', key, `${key} has entries that are not host:port: ${bad.join(', ')}.`,
      `Joining servers may pick one of these and fail to reach the API; restart ${program} on the servers so they rewrite their addresses.`));
  }
  if (addresses.length === 1) {
    findings.push(finding('info', 'apiaddresses-single', key, `${key} lists one API server address (${addresses[0]}): joins depend on that one server being up.`,
      'Expected with one server; with several servers, a single address means the others have not published theirs (check that they run).'));
  } else {
    findings.push(finding('info', 'apiaddresses-ok', key, `${key} lists ${addresses.length} API server addresses: ${addresses.join(', ')}.`, 'Nothing to do.'));
  }
  return { addresses, findings };
}
