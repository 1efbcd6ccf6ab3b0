// Two profiles that reach the same real cluster (or that both fail on the same endpoints) must give rows with
// distinct ids: VS Code refuses a view with a duplicate id ("Element with id … is already registered") and every
// member row of every cluster vanishes. The rows come from real refreshes of a real 3-member TLS etcd.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterHealth } from '../../src/core/cluster-model';
import { EtcdPort } from '../../src/core/etcd/etcd-port';
import type { ConnectionProfile } from '../../src/core/etcd/profile';
import { profileKeys } from '../../src/extension/cluster-keys';
import type { ClusterEntry } from '../../src/extension/cluster-registry';
import { clusterChildren, clusterNode, controlPlaneChildren, explorerFolderRows, explorerRowId, memberChildren, TreeNode } from '../../src/extension/tree/rows';
import { EtcdTestCluster } from '../harness/etcd-cluster';

function entryOf(key: string, profile: ConnectionProfile, health: ClusterHealth | null, error: string | null = null): ClusterEntry {
  return {
    key, label: profile.name, port: null, profile, simulated: false, health, error, refreshing: false,
    controlPlane: { context: 'ctx', error: null, nodes: (health?.members ?? []).map((m) => ({ name: m.name || 'n', roles: ['control-plane'], ready: true, problems: [], kubeletVersion: 'v1.34.0', addresses: [], memberId: m.id, notes: [] })) },
  };
}

/** Every row the tree would hand VS Code for these clusters, depth first. */
function allRows(entries: ClusterEntry[]): TreeNode[] {
  const out: TreeNode[] = [];
  const walk = (rows: TreeNode[]) => {
    for (const row of rows) {
      out.push(row);
      if (row.kind === 'cluster') walk(clusterChildren(row.entry));
      if (row.kind === 'members') walk(memberChildren(row.entry));
      if (row.kind === 'controlPlane') walk(controlPlaneChildren(row.entry, row.view));
    }
  };
  walk(entries.map(clusterNode));
  return out;
}

function assertUnique(ids: string[]): void {
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.deepEqual(dup, [], `duplicate ids among ${ids.length}`);
  assert.ok(ids.every((id) => id.length > 0));
}

describe('tree row ids (real etcd)', () => {
  let cluster: EtcdTestCluster;
  const ports: EtcdPort[] = [];
  before(async () => { cluster = await EtcdTestCluster.start({ members: 3 }); });
  after(async () => { for (const p of ports) await p.close(); await cluster?.close(); });

  const snapshot = async (profile: ConnectionProfile) => {
    const port = new EtcdPort(profile);
    ports.push(port);
    return port.snapshot();
  };

  it('two profiles on the same cluster: every row id differs, in our tree and in the Cluster Explorer', async () => {
    const a: ConnectionProfile = { name: 'prod', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 3000 };
    const b: ConnectionProfile = { name: 'prod via loopback', endpoints: [...cluster.endpoints].reverse(), tls: cluster.tls, timeoutMs: 3000 };
    const [ha, hb] = [await snapshot(a), await snapshot(b)];
    assert.equal(ha.clusterId, hb.clusterId, 'the same cluster');
    const members = (h: ClusterHealth) => h.members.filter((m) => m.id).map((m) => m.id).sort();
    assert.equal(members(ha).length, 3);
    assert.deepEqual(members(ha), members(hb));

    const entries = [entryOf('etcd:prod', a, ha), entryOf('etcd:prod via loopback', b, hb)];
    const rows = allRows(entries);
    assert.equal(rows.filter((r) => r.kind === 'member').length, 6, 'three member rows per profile');
    assertUnique(rows.map((r) => r.id));
    // The Explorer shows one folder per context; both profiles tied to the same context still differ.
    const explorer = [...explorerFolderRows('ctx', entries[0]), ...explorerFolderRows('ctx', entries[1]), ...explorerFolderRows('other', entries[0])];
    assert.equal(explorer.filter((r) => r.kind === 'member').length, 9);
    assertUnique([...explorer.map((r) => r.id), explorerRowId('ctx', 'folder'), explorerRowId('other', 'folder')]);
  });

  it('two profiles of the same name get two keys, so their rows differ too', async () => {
    const p: ConnectionProfile = { name: 'etcd', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 3000 };
    const keys = [...profileKeys([p, { ...p }]).keys()];
    assert.deepEqual(keys, ['etcd:etcd', 'etcd:etcd#2']);
    const h = await snapshot(p);
    assertUnique(allRows(keys.map((k) => entryOf(k, p, h))).map((r) => r.id));
  });

  it('two failing profiles sharing endpoints (wrong CA): distinct ids for every row', async () => {
    const wrong = { ...cluster.tls, caFile: cluster.pki.foreignCa };
    const a: ConnectionProfile = { name: 'a', endpoints: cluster.endpoints, tls: wrong, timeoutMs: 1500 };
    const b: ConnectionProfile = { name: 'b', endpoints: cluster.endpoints, tls: wrong, timeoutMs: 1500 };
    const [ha, hb] = [await snapshot(a), await snapshot(b)];
    assert.ok([...ha.members, ...hb.members].every((m) => !m.healthy), 'nothing verifies against the foreign CA');
    const entries = [entryOf('etcd:a', a, ha), entryOf('etcd:b', b, hb), entryOf('etcd:c', { ...a, name: 'c' }, null, 'cannot read TLS files')];
    const rows = allRows(entries);
    assertUnique(rows.map((r) => r.id));
    assertUnique(entries.flatMap((e) => explorerFolderRows('ctx', e)).map((r) => r.id));
  });
});
