// A connection profile: how to reach one etcd cluster. Built from settings, CLI flags or discovery.

export interface TlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** For an encrypted key: held in memory only (the extension keeps it in SecretStorage), never in settings. */
  keyPassphrase?: string;
}

export interface ConnectionProfile {
  name: string;
  /** Every member's client URL that is known. Never only the first: see the k3s failure in DESIGN.md. */
  endpoints: string[];
  tls?: TlsFiles;
  /** Deadline for each call, ms. */
  timeoutMs?: number;
  /** Where the profile came from: "settings", "flags", "discovered k3s", ... */
  origin?: string;
  dataDir?: string;
  /** Config files that named these endpoints, for findings that point at a file. */
  configFiles?: string[];
  distro?: string;
  /** The backend quota the members run with (--quota-backend-bytes), when known; 3.6+ members report their own. */
  quotaBackendBytes?: number;
  /** Client URL → the plain-HTTP metrics URL of that member, where discovery found one (`--listen-metrics-urls`). */
  metricsUrls?: Record<string, string>;
  /** The kube context whose control plane belongs to this etcd cluster (tree grouping). */
  kubeContext?: string;
}

export const DEFAULT_TIMEOUT_MS = 2000;
/** etcd's default backend quota when --quota-backend-bytes is not set: 2 GiB. */
export const DEFAULT_QUOTA_BACKEND_BYTES = 2 * 1024 * 1024 * 1024;

/** Splits and trims an endpoint list as users type it: commas, spaces or newlines. */
export function splitEndpoints(value: string | string[]): string[] {
  const parts = Array.isArray(value) ? value : value.split(/[\s,]+/);
  return [...new Set(parts.map((s) => s.trim()).filter(Boolean))];
}
