// The registry's key of each etcd profile. Without VS Code, so the tree's ids are tested against it.
import type { ConnectionProfile } from '../core/etcd/profile';

/**
 * One key per profile, even when two share a name (the quick `connection.endpoints` one is called "etcd" unless
 * named): the key scopes every row id of the cluster, and two profiles on one key would show as one.
 */
export function profileKeys(profiles: ConnectionProfile[]): Map<string, { profile: ConnectionProfile; label: string }> {
  const out = new Map<string, { profile: ConnectionProfile; label: string }>();
  for (const profile of profiles) {
    let key = `etcd:${profile.name}`;
    let label = profile.name;
    for (let n = 2; out.has(key); n++) { key = `etcd:${profile.name}#${n}`; label = `${profile.name} (${n})`; }
    out.set(key, { profile, label });
  }
  return out;
}
