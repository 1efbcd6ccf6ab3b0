// The backend quota of members that do not report it in Status (before 3.6), read from their /metrics
// gauge etcd_server_quota_backend_bytes (etcd 3.4+). A read of the metrics endpoint only: nothing is written.
import { scalarOf } from '../metrics/histogram';
import { scrape } from '../metrics/scrape';
import { ConnectionProfile, DEFAULT_TIMEOUT_MS } from './profile';
import { loadTls } from './tls';

/** The smallest quota any endpoint's metrics state (the strictest applies), or undefined when none says. */
export async function quotaFromMetrics(profile: ConnectionProfile): Promise<number | undefined> {
  const tls = loadTls(profile.tls);
  const timeoutMs = profile.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const results = await Promise.all(profile.endpoints.map((url) => scrape(url, { tls, timeoutMs })));
  const quotas = results.map((r) => (r.metrics ? scalarOf(r.metrics, 'etcd_server_quota_backend_bytes') : null))
    .filter((q): q is number => q !== null && Number.isFinite(q) && q > 0);
  return quotas.length ? Math.min(...quotas) : undefined;
}
