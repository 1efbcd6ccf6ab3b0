// Which member a menu command acts on: our own tree passes the row, the Kubernetes extension's Cluster Explorer
// passes its wrapper around the node we contributed (seen in a real code-server: the node is one of the wrapper's
// own fields). Anything else must give no member, so the command asks instead of acting on a guess.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterEntry } from '../../../src/extension/cluster-registry';
import { memberNodeOf } from '../../../src/extension/tree/command-target';
import { health } from '../simulator-panel/health-fixture';

const h = health();
const entry: ClusterEntry = { key: 'etcd:t', label: 't', port: null, profile: null, simulated: false, health: h, error: null, refreshing: false, controlPlane: null };
const row = { kind: 'member' as const, entry, member: h.members[1]! };

describe('menu command target', () => {
  it('is the row itself in our tree', () => {
    assert.equal(memberNodeOf(row), row);
  });

  it('is found inside the Cluster Explorer wrapper, with the Explorer node methods added to the row', () => {
    const contributed = { ...row, getChildren: async () => [], getTreeItem: () => ({}) };
    const wrapper = { nodeCategory: 'kubernetes-explorer-node', nodeType: 'extension', id: 'dummy', impl: contributed };
    assert.equal(memberNodeOf(wrapper)?.member.id, h.members[1]!.id);
    assert.equal(memberNodeOf(wrapper)?.entry, entry);
  });

  it('is nothing for other rows, other wrappers, palette calls and junk', () => {
    for (const target of [undefined, null, 'm1', 42, { kind: 'cluster', entry }, { kind: 'member' }, { impl: { kind: 'message', key: 'k', text: 't', icon: 'info' } },
      { nodeType: 'context', name: 'k3s' }, { impl: { impl: row } }]) {
      assert.equal(memberNodeOf(target), undefined, JSON.stringify(target));
    }
  });
});
