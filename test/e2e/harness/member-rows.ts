// How the e2e scenarios read a member row of the etcd Ops tree.
import type { TreeRow } from './workbench';

const SIZE = String.raw`[\d.]+ (B|kB|MB|GB)`;
/** A member row's description when the member answered: "[leader · ]term T · idx I/A · db <size> / <size> in use · <n> ms". */
export const HEALTHY_DESCRIPTION = new RegExp(String.raw`^(leader · )?term \d+ · idx \d+\/\d+ · db ${SIZE} \/ ${SIZE} in use · \d+ ms`);
export const isHealthy = (r: TreeRow) => HEALTHY_DESCRIPTION.test(r.description) && r.icon !== 'error';
export const isLeader = (r: TreeRow) => r.description.startsWith('leader · ') && r.icon === 'star-full';
