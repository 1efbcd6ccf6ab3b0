// ClusterPort: everything the operations engine may ask of a cluster. Real etcd implements it
// (etcd/etcd-port.ts) and so does the Raft simulator (sim/sim-port.ts), so a rehearsal runs the exact
// plan code that later acts on the real cluster.
import { ClusterHealth, MemberStatus } from './cluster-model';

export interface MemberInfo {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface ClusterPort {
  /** Human description, e.g. "3 endpoints (TLS)" or "simulated 5-member cluster". */
  readonly description: string;
  /** One full health refresh: every member's status and health, the member list, findings. */
  snapshot(): Promise<ClusterHealth>;
  /**
   * Status of one member (by hex id) asked at its own endpoint: no health read, no member list, so it answers
   * even while the cluster has no leader. Cheap enough to poll every few ms. Throws if it cannot answer.
   */
  memberStatus(memberId: string): Promise<MemberStatus>;
  /** Member list as seen through one member (by hex id). Throws if that member cannot answer. */
  memberList(via: string): Promise<MemberInfo[]>;
  /** MoveLeader, sent to the current leader `leaderId` itself. */
  moveLeader(leaderId: string, targetId: string): Promise<void>;
  removeMember(memberId: string, via: string): Promise<MemberInfo[]>;
  addMember(peerURLs: string[], isLearner: boolean, via: string): Promise<MemberInfo>;
  promoteMember(memberId: string, via: string): Promise<MemberInfo[]>;
  /** The port's clock: wall time for real etcd, virtual time for the simulator. */
  now(): number;
  sleep(ms: number): Promise<void>;
  close(): Promise<void>;
}
