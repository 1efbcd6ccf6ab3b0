// Which member row a menu command ran on. Our own tree passes the row itself; the Kubernetes extension's Cluster
// Explorer passes its own wrapper around the node we contributed there, so the row is also looked for one level down.
import type { TreeNode } from './cluster-tree';

export type MemberNode = Extract<TreeNode, { kind: 'member' }>;

const isMemberNode = (x: unknown): x is MemberNode =>
  typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'member' && 'entry' in x && 'member' in x;

export function memberNodeOf(target: unknown): MemberNode | undefined {
  if (isMemberNode(target)) return target;
  if (typeof target !== 'object' || target === null) return undefined;
  return Object.values(target).find(isMemberNode);
}
