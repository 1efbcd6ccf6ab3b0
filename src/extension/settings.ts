// Reads the extension's settings into core shapes. Secrets never live here: passphrases go to SecretStorage.
import * as vscode from 'vscode';
import { ConnectionProfile, splitEndpoints } from '../core/etcd/profile';

export const SECTION = 'etcdOps';

interface ProfileSetting {
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
  timeoutMs: number;
  kubeconfig: string | undefined;
  kubeContexts: string[];
  maxAppliedLag: number;
  /** Attach the embedded simulated cluster when nothing else is configured. */
  simulateWhenEmpty: boolean;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const timeoutMs = c.get<number>('connection.timeoutMs', 2000);
  const profiles: ConnectionProfile[] = [];
  const quick = splitEndpoints(c.get<string[] | string>('connection.endpoints', []));
  if (quick.length) {
    profiles.push({
      name: c.get<string>('connection.name', '') || 'etcd',
      endpoints: quick,
      tls: { caFile: c.get<string>('connection.caFile') || undefined, certFile: c.get<string>('connection.certFile') || undefined, keyFile: c.get<string>('connection.keyFile') || undefined },
      timeoutMs, origin: 'settings', dataDir: c.get<string>('connection.dataDir') || undefined,
      kubeContext: c.get<string>('connection.kubeContext') || undefined,
    });
  }
  for (const [i, p] of (c.get<ProfileSetting[]>('connection.profiles', []) ?? []).entries()) {
    const endpoints = splitEndpoints(p.endpoints ?? []);
    if (!endpoints.length) continue;
    profiles.push({
      name: p.name || `profile ${i + 1}`, endpoints,
      tls: { caFile: p.caFile, certFile: p.certFile, keyFile: p.keyFile }, timeoutMs, origin: 'settings', dataDir: p.dataDir, kubeContext: p.kubeContext,
    });
  }
  return {
    profiles,
    refreshIntervalMs: Math.max(1, c.get<number>('refresh.intervalSeconds', 5)) * 1000,
    timeoutMs,
    kubeconfig: c.get<string>('kubernetes.kubeconfig') || undefined,
    kubeContexts: c.get<string[]>('kubernetes.contexts', []) ?? [],
    maxAppliedLag: c.get<number>('operations.maxAppliedLag', 1000),
    simulateWhenEmpty: c.get<boolean>('simulator.attachWhenEmpty', false),
  };
}

/** Adds a profile to the user's settings (endpoints and file paths only: no secrets). */
export async function saveProfile(profile: ProfileSetting): Promise<void> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const existing = c.get<ProfileSetting[]>('connection.profiles', []) ?? [];
  await c.update('connection.profiles', [...existing.filter((p) => p.name !== profile.name), profile], vscode.ConfigurationTarget.Global);
}
