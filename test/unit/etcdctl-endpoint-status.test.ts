// The harness reads `etcdctl endpoint status -w fields`, whose blocks 3.6 extended (storage version, quota,
// downgrade); the simple format it read before gained columns in 3.6 and put "is leader" elsewhere.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseEndpointStatusFields } from '../harness/etcd-cluster';

// As etcdctl 3.6.16 prints it for two endpoints (ids above 2^53, which JSON output would round).
const v36 = `"ClusterID" : 14841639068965178418
"MemberID" : 10276657743932975437
"Revision" : 1
"RaftTerm" : 3
"Version" : "3.6.16"
"StorageVersion" : "3.6.0"
"DBSize" : 20480
"DBSizeInUse" : 16384
"DBSizeQuota" : 2147483648
"Leader" : 10276657743932975437
"IsLearner" : false
"RaftIndex" : 6
"RaftAppliedIndex" : 6
"Errors" : []
"Endpoint" : "https://127.0.0.1:40001"
"DowngradeTargetVersion" : ""
"DowngradeEnabled" : false

"ClusterID" : 14841639068965178418
"MemberID" : 10276657743932975438
"Revision" : 1
"RaftTerm" : 3
"Version" : "3.6.16"
"Leader" : 10276657743932975437
"IsLearner" : true
"Endpoint" : "https://127.0.0.1:40003"

`;

// As etcdctl 3.4.23 prints it (no storage version, quota or downgrade fields).
const v34 = `"ClusterID" : 14841639068965178418
"MemberID" : 10276657743932975437
"Revision" : 1
"RaftTerm" : 2
"Version" : "3.4.23"
"DBSize" : 20480
"Leader" : 10276657743932975437
"IsLearner" : false
"RaftIndex" : 4
"RaftAppliedIndex" : 4
"Errors" : []
"Endpoint" : "127.0.0.1:2379"
`;

it('reads endpoint, member, leader and learner from 3.6 and 3.4 fields output, ids exact in hex', () => {
  assert.deepEqual(parseEndpointStatusFields(v36), [
    { endpoint: 'https://127.0.0.1:40001', memberId: '8e9e05c52164694d', leaderId: '8e9e05c52164694d', isLearner: false },
    { endpoint: 'https://127.0.0.1:40003', memberId: '8e9e05c52164694e', leaderId: '8e9e05c52164694d', isLearner: true },
  ]);
  assert.deepEqual(parseEndpointStatusFields(v34), [
    { endpoint: '127.0.0.1:2379', memberId: '8e9e05c52164694d', leaderId: '8e9e05c52164694d', isLearner: false },
  ]);
  assert.deepEqual(parseEndpointStatusFields(''), []);
});
