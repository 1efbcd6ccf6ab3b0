// etcd's rpc.proto reduced to the gRPC services EndpointClient calls and the message types they reach, as
// protobufjs JSON. etcd3 builds descriptors for every type it loads at start-up; the product uses three of
// the six services, so the others (Watch, Lease, Auth: about half the types) are left out of the bundle.
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '..');

/** The services EndpointClient uses. A call to another one fails with "etcdserverpb[name] is not a constructor". */
export const USED_SERVICES = ['KV', 'Cluster', 'Maintenance'];

export function protobufjs() {
  return require(require.resolve('protobufjs', { paths: [require.resolve('@grpc/proto-loader', { paths: [require.resolve('etcd3')] })] }));
}

export function loadFullEtcdRoot() {
  const pb = protobufjs();
  const full = new pb.Root();
  full.loadSync(path.join(root, 'node_modules', 'etcd3', 'proto', 'rpc.proto'), { keepCase: true });
  full.resolveAll();
  return full;
}

/** Full names (no leading dot) of the used services and every type they reach, nested types with their parent. */
function reachable(full, services) {
  const pb = protobufjs();
  const keep = new Set();
  const visit = (t) => {
    if (!t || keep.has(t.fullName)) return;
    keep.add(t.fullName);
    if (t instanceof pb.Type) {
      for (const f of t.fieldsArray) visit(f.resolvedType);
      for (const n of t.nestedArray) visit(n);
    }
    // A nested type needs its parent message to exist.
    if (t.parent && (t.parent instanceof pb.Type)) visit(t.parent);
  };
  for (const name of services) {
    const s = full.lookupService(`etcdserverpb.${name}`);
    keep.add(s.fullName);
    for (const m of s.methodsArray) { visit(m.resolvedRequestType); visit(m.resolvedResponseType); }
  }
  return keep;
}

/** protobufjs JSON of the used services only; namespaces kept where they hold something kept. */
export function usedEtcdProtoJson(services = USED_SERVICES) {
  const full = loadFullEtcdRoot();
  const keep = reachable(full, services);
  const prune = (json, prefix) => {
    if (!json.nested) return json;
    const nested = {};
    for (const [name, child] of Object.entries(json.nested)) {
      const fullName = `${prefix}.${name}`;
      if (keep.has(fullName)) nested[name] = child; // a kept message keeps its own nested types
      else if (!child.fields && !child.values && !child.methods) {
        const sub = prune(child, fullName);
        if (sub.nested && Object.keys(sub.nested).length) nested[name] = sub;
      }
    }
    return { ...json, nested };
  };
  return prune(full.toJSON(), '');
}

/**
 * What grpc-js needs of each used service besides the codecs, computed here once: method paths, streaming
 * flags, message type names, and the camel-case alias proto-loader gives each method (etcd3 calls those).
 */
export function usedServiceMethods(services = USED_SERVICES) {
  const camelCase = require(require.resolve('lodash.camelcase', { paths: [require.resolve('@grpc/proto-loader', { paths: [require.resolve('etcd3')] })] }));
  const full = loadFullEtcdRoot();
  return services.map((name) => {
    const s = full.lookupService(`etcdserverpb.${name}`);
    const serviceName = s.fullName.slice(1);
    return {
      service: serviceName,
      methods: s.methodsArray.map((m) => ({
        name: m.name,
        path: `/${serviceName}/${m.name}`,
        originalName: camelCase(m.name),
        requestStream: Boolean(m.requestStream),
        responseStream: Boolean(m.responseStream),
        requestType: m.resolvedRequestType.fullName.slice(1),
        responseType: m.resolvedResponseType.fullName.slice(1),
      })),
    };
  });
}
