// Everything gRPC in one module, required only when a first client is made: esbuild bundles it on its own
// (dist/grpc.js), so activating the extension or printing `etcd-ops --help` does not parse grpc-js and protobufjs.
export { Etcd3 } from 'etcd3';
export { noop } from 'cockatiel';
