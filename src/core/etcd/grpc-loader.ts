// gRPC (dist/grpc.js: etcd3, grpc-js, protobufjs) is loaded on first use, so activation and `etcd-ops --help`
// do not pay for it (see esbuild.mjs); bundled, it loads through V8's code cache (../code-cache.ts).
import * as path from 'node:path';
import { requireWithCodeCache } from '../code-cache';

/** Defined (true) by esbuild in the bundles; absent when the sources run under tsx. */
declare const ETCD_OPS_BUNDLED: boolean | undefined;

type GrpcModule = typeof import('./grpc');
let grpcModule: GrpcModule | undefined;

export function loadGrpc(): GrpcModule {
  grpcModule ??= (typeof ETCD_OPS_BUNDLED !== 'undefined'
    ? requireWithCodeCache(path.join(__dirname, 'grpc.js')).exports
    : require('./grpc')) as GrpcModule;
  return grpcModule;
}
