// Turns the extension's configuration into core shapes, without VS Code itself (settings.ts hands it the real
// configuration), so the trust rules are tested as they run. Secrets never live here: passphrases go to SecretStorage.
import { ConnectionProfile, splitEndpoints } from '../core/etcd/profile';

export const SECTION = 'etcdOps';

/**
 * Settings an untrusted workspace may not set: where to connect with the user's own client certificate, which
 * files to read, and how loose the operation checks are. Read from user settings only in Restricted Mode, and
 * listed in package.json `capabilities.untrustedWorkspaces.restrictedConfigurations` (the manifest test checks both agree).
 */
export const RESTRICTED_SETTINGS = [
  'connection.endpoints', 'connection.caFile', 'connection.certFile', 'connection.keyFile', 'connection.dataDir',
  'connection.kubeContext', 'connection.profiles', 'kubernetes.kubeconfig', 'kubernetes.contexts', 'operations.maxAppliedLag',
] as const;

export interface ProfileSetting {
  name?: string;
  endpoints?: string[] | string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  dataDir?: string;
  kubeContext?: string;
}

export interface Settings {
  profiles: ConnectionProfile[];
  refreshIntervalMs: number;
  /** Background refresh while the view is hidden (status bar, badge, notifications). */
  hiddenRefreshIntervalMs: number;
  timeoutMs: number;
  kubeconfig: string | undefined;
  kubeContexts: string[];
  maxAppliedLag: number;
  /** Attach the embedded simulated cluster when nothing else is configured. */
  simulateWhenEmpty: boolean;
}

/** The part of vscode.WorkspaceConfiguration (for the `etcdOps` section) the reader uses. */
export interface ConfigurationLike {
  get<T>(key: string): T | undefined;
  inspect<T>(key: string): { defaultValue?: T; globalValue?: T } | undefined;
}

const restricted = new Set<string>(RESTRICTED_SETTINGS);

/** One setting's value: in an untrusted workspace a restricted one comes from user settings (or its default) only. */
function valueOf<T>(config: ConfigurationLike, trusted: boolean, key: string, fallback: T): T {
  if (!trusted && restricted.has(key)) {
    const seen = config.inspect<T>(key);
    return seen?.globalValue ?? seen?.defaultValue ?? fallback;
  }
  return config.get<T>(key) ?? fallback;
}

export function settingsFrom(config: ConfigurationLike, trusted: boolean): Settings {
  const get = <T>(key: string, fallback: T): T => valueOf(config, trusted, key, fallback);
  const timeoutMs = get<number>('connection.timeoutMs', 2000);
  const profiles: ConnectionProfile[] = [];
  const quick = splitEndpoints(get<string[] | string>('connection.endpoints', []));
  if (quick.length) {
    profiles.push({
      name: get<string>('connection.name', '') || 'etcd',
      endpoints: quick,
      tls: { caFile: get<string>('connection.caFile', '') || undefined, certFile: get<string>('connection.certFile', '') || undefined, keyFile: get<string>('connection.keyFile', '') || undefined },
      timeoutMs, origin: 'settings', dataDir: get<string>('connection.dataDir', '') || undefined,
      kubeContext: get<string>('connection.kubeContext', '') || undefined,
    });
  }
  for (const [i, p] of (get<ProfileSetting[]>('connection.profiles', []) ?? []).entries()) {
    const endpoints = splitEndpoints(p.endpoints ?? []);
    if (!endpoints.length) continue;
    profiles.push({
      name: p.name || `profile ${i + 1}`, endpoints,
      tls: { caFile: p.caFile, certFile: p.certFile, keyFile: p.keyFile }, timeoutMs, origin: 'settings', dataDir: p.dataDir, kubeContext: p.kubeContext,
    });
  }
  return {
    profiles,
    refreshIntervalMs: Math.max(1, get<number>('refresh.intervalSeconds', 5)) * 1000,
    hiddenRefreshIntervalMs: Math.max(1, get<number>('refresh.hiddenIntervalSeconds', 15)) * 1000,
    timeoutMs,
    kubeconfig: get<string>('kubernetes.kubeconfig', '') || undefined,
    kubeContexts: get<string[]>('kubernetes.contexts', []) ?? [],
    maxAppliedLag: get<number>('operations.maxAppliedLag', 1000),
    simulateWhenEmpty: get<boolean>('simulator.attachWhenEmpty', false),
  };
}
