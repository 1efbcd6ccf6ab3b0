// Fetches one member's /metrics over HTTPS with the profile's TLS (verification on) or over the plain HTTP
// metrics listener some distros expose on 2381, with a deadline and a size cap. Never writes to the cluster.
import * as http from 'node:http';
import * as https from 'node:https';
import { TlsMaterial } from '../etcd/tls';
import { MetricsParseError, ParsedMetrics, parsePrometheusText } from './prom-text';

/** etcd's /metrics is ~100–300 kB; more than this is not etcd. */
export const MAX_METRICS_BYTES = 8 * 1024 * 1024;

export interface ScrapeResult {
  url: string;
  at: number;
  durationMs: number;
  metrics: ParsedMetrics | null;
  error: string | null;
}

export class ScrapeError extends Error {}

/** Client URL (`https://host:2379`) or metrics URL (`http://127.0.0.1:2381`) → its /metrics address. */
export function metricsUrlOf(url: string): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/metrics';
  return u.toString();
}

function explain(err: NodeJS.ErrnoException, url: string): string {
  const m = `${err.code ?? ''} ${err.message}`;
  if (/ECONNREFUSED/.test(m)) return `connection refused at ${url} (nothing listening there)`;
  if (/EHOSTUNREACH|ENETUNREACH/.test(m)) return `${url} is unreachable`;
  if (/ENOTFOUND|EAI_AGAIN/.test(m)) return `cannot resolve the host of ${url}`;
  if (/UNABLE_TO_VERIFY|SELF_SIGNED|CERT_|unable to verify|self.signed|ERR_TLS_CERT/i.test(m)) {
    return `TLS: the server certificate at ${url} does not verify against the given CA: ${err.message}`;
  }
  if (/alert|handshake|certificate required|bad certificate|ECONNRESET|EPROTO/i.test(m) && url.startsWith('https')) {
    return `TLS: ${url} refused the connection (client certificate missing or not accepted?): ${err.message}`;
  }
  return `${url}: ${err.message}`;
}

export interface ScrapeOptions {
  tls?: TlsMaterial;
  timeoutMs: number;
  /** Keep-alive agents reused across scrapes (the extension's sampler keeps one per cluster). */
  agents?: { https: https.Agent; http: http.Agent };
  /** Parse only the metrics this keeps (see figures.isFigureMetric); everything when absent. */
  keep?: (name: string) => boolean;
}

/** A kept-alive socket the member had closed (it stopped or restarted since the last scrape). */
class StaleSocketError extends ScrapeError {}

/**
 * The raw text of `url`'s metrics, or a ScrapeError with the reason in words. A reset on a reused keep-alive
 * socket says nothing about the member's TLS: one fresh connection, inside the same deadline, tells what it is.
 */
export async function fetchMetricsText(url: string, options: ScrapeOptions): Promise<string> {
  const started = Date.now();
  try {
    return await fetchOnce(url, options, false);
  } catch (err) {
    if (!(err instanceof StaleSocketError)) throw err;
    const left = options.timeoutMs - (Date.now() - started);
    if (left <= 0) throw new ScrapeError(`${new URL(metricsUrlOf(url)).origin}: no answer within ${options.timeoutMs} ms`);
    return fetchOnce(url, { ...options, timeoutMs: left }, true);
  }
}

function fetchOnce(url: string, options: ScrapeOptions, fresh: boolean): Promise<string> {
  const target = new URL(metricsUrlOf(url));
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') return Promise.reject(new ScrapeError(`${url}: not an http(s) URL`));
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err: Error | null, text?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) { req.destroy(); reject(err); } else resolve(text!);
    };
    const tls = options.tls;
    const common = { method: 'GET', headers: { accept: 'text/plain' } };
    const req = secure
      ? https.request(target, {
        ...common, agent: fresh ? false : options.agents?.https, rejectUnauthorized: true,
        ca: tls?.rootCertificate, cert: tls?.certChain, key: tls?.privateKey,
      })
      : http.request(target, { ...common, agent: fresh ? false : options.agents?.http });
    // One deadline for connect, TLS and the whole body: a frozen member costs at most timeoutMs.
    const timer = setTimeout(() => done(new ScrapeError(`${target.origin}: no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && (err.code === 'ECONNRESET' || /socket hang up/.test(err.message));
      done(stale ? new StaleSocketError(err.message) : new ScrapeError(explain(err, target.origin)));
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        const hint = res.statusCode === 404 ? ' (no /metrics there: is it an etcd client or metrics URL?)' : '';
        done(new ScrapeError(`${target.origin}/metrics answered HTTP ${res.statusCode}${hint}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_METRICS_BYTES) done(new ScrapeError(`${target.origin}/metrics is larger than ${MAX_METRICS_BYTES} bytes: not etcd's metrics`));
        else chunks.push(c);
      });
      res.on('error', (err) => done(new ScrapeError(explain(err, target.origin))));
      res.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
    });
    req.end();
  });
}

/** Fetches and parses; failures (network, TLS, HTTP, garbage text) land in `error`, never thrown. */
export async function scrape(url: string, options: ScrapeOptions): Promise<ScrapeResult> {
  const started = performance.now();
  const at = Date.now();
  try {
    const text = await fetchMetricsText(url, options);
    const metrics = parsePrometheusText(text, { keep: options.keep });
    if (!metrics.samples.some((s) => s.name.startsWith('etcd_'))) {
      throw new MetricsParseError(`${new URL(metricsUrlOf(url)).origin}/metrics has no etcd_* metrics: not an etcd member`);
    }
    return { url, at, durationMs: performance.now() - started, metrics, error: null };
  } catch (err) {
    return { url, at, durationMs: performance.now() - started, metrics: null, error: (err as Error).message };
  }
}
