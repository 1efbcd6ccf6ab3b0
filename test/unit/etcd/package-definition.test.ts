// The package definition the gRPC bundle builds for etcd's services (src/core/etcd/codecs/package-definition.ts)
// against the one etcd3 would build with proto-loader from the full rpc.proto: the same methods, paths and
// names, and for every message a method uses, the same bytes when encoding and the same object when decoding,
// on random messages of every field kind (fast-check).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import type * as protobuf from 'protobufjs';
import { etcdPackageDefinition, MethodDefinition, PackageDefinition, ServiceSkeleton } from '../../../src/core/etcd/codecs/package-definition';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

interface BuildScript {
  USED_SERVICES: string[];
  usedEtcdProtoJson(): protobuf.INamespace;
  usedServiceMethods(): ServiceSkeleton[];
  loadFullEtcdRoot(): protobuf.Root;
  protobufjs(): typeof protobuf;
}

type ReferenceDefinition = Record<string, Record<string, MethodDefinition> | object>;

const INT64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map(String);
const UINT64 = fc.bigInt(0n, 2n ** 64n - 1n).map(String);
const SCALARS: Record<string, fc.Arbitrary<unknown>> = {
  string: fc.string({ maxLength: 12 }),
  bool: fc.boolean(),
  bytes: fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
  int64: INT64, sint64: INT64, sfixed64: INT64,
  uint64: UINT64, fixed64: UINT64,
  int32: fc.integer(), sint32: fc.integer(), sfixed32: fc.integer(),
  uint32: fc.nat(), fixed32: fc.nat(),
  double: fc.double({ noNaN: true }), float: fc.float({ noNaN: true }).map((f) => Math.fround(f)),
};

/** Random plain objects of a message type, as etcd3 passes them: optional fields, at most one per oneof. */
function messageOf(pb: typeof protobuf, type: protobuf.Type, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const fieldArb = (f: protobuf.Field): fc.Arbitrary<unknown> | null => {
    let one: fc.Arbitrary<unknown> | null;
    if (f.resolvedType instanceof pb.Enum) one = fc.constantFrom(...Object.keys(f.resolvedType.values));
    else if (f.resolvedType instanceof pb.Type) one = depth > 0 ? messageOf(pb, f.resolvedType, depth - 1) : null;
    else one = SCALARS[f.type] ?? null;
    if (!one) return null;
    return f.repeated ? fc.array(one, { maxLength: 3 }) : one;
  };
  const inOneof = new Set(type.oneofsArray.flatMap((o) => o.fieldsArray.map((f) => f.name)));
  const plain: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of type.fieldsArray) {
    const arb = inOneof.has(f.name) ? null : fieldArb(f);
    if (arb) plain[f.name] = arb;
  }
  const oneofs = type.oneofsArray.map((o) => fc.option(fc.oneof(...o.fieldsArray.flatMap((f) => {
    const arb = fieldArb(f);
    return arb ? [arb.map((v) => ({ [f.name]: v }))] : [];
  }).concat([fc.constant({})])), { nil: {} }));
  return fc.tuple(fc.record(plain, { requiredKeys: [] }), ...oneofs).map(([p, ...chosen]) => Object.assign({}, p, ...chosen));
}

describe('etcd package definition without proto-loader', () => {
  let script: BuildScript;
  let ours: PackageDefinition;
  let reference: ReferenceDefinition;
  let skeleton: ServiceSkeleton[];

  before(async () => {
    script = await import(path.join(ROOT, 'scripts', 'etcd-proto-json.mjs')) as BuildScript;
    skeleton = script.usedServiceMethods();
    // What the bundle does: the reduced JSON, parsed again, and the skeleton computed at build time.
    ours = etcdPackageDefinition(JSON.parse(JSON.stringify(script.usedEtcdProtoJson())), JSON.parse(JSON.stringify(skeleton)), OPTIONS);
    // What etcd3 does unbundled: proto-loader on the whole of rpc.proto.
    const loader = require(require.resolve('@grpc/proto-loader', { paths: [require.resolve('etcd3')] }));
    reference = loader.loadSync(path.join(ROOT, 'node_modules', 'etcd3', 'proto', 'rpc.proto'), OPTIONS);
  });

  it('has every method of the used services with the same path, streaming and camel-case alias', () => {
    assert.deepEqual(Object.keys(ours).sort(), script.USED_SERVICES.map((s) => `etcdserverpb.${s}`).sort());
    for (const [service, methods] of Object.entries(ours)) {
      const ref = reference[service] as Record<string, MethodDefinition>;
      assert.deepEqual(Object.keys(methods).sort(), Object.keys(ref).sort(), service);
      for (const [name, m] of Object.entries(methods)) {
        const r = ref[name];
        assert.deepEqual([m.path, m.requestStream, m.responseStream, m.originalName], [r.path, r.requestStream, r.responseStream, r.originalName], `${service}.${name}`);
      }
    }
    // The aliases etcd3 calls (e.g. maintenance.status, cluster.memberList, kv.range) exist.
    assert.equal(ours['etcdserverpb.Maintenance'].Status.originalName, 'status');
    assert.equal(ours['etcdserverpb.Cluster'].MemberList.originalName, 'memberList');
    assert.equal(ours['etcdserverpb.KV'].Range.originalName, 'range');
  });

  it('leaves out the services the product does not call', () => {
    for (const s of ['Watch', 'Lease', 'Auth']) assert.equal(ours[`etcdserverpb.${s}`], undefined, s);
  });

  it('encodes and decodes every request and response like proto-loader, both ways', () => {
    const pb = script.protobufjs();
    const full = script.loadFullEtcdRoot();
    const types = new Map<string, { side: 'request' | 'response'; service: string; method: string }>();
    for (const s of skeleton) for (const m of s.methods) {
      types.set(m.requestType, { side: 'request', service: s.service, method: m.name });
      types.set(m.responseType, { side: 'response', service: s.service, method: m.name });
    }
    assert.ok(types.size >= 30, `only ${types.size} message types`);
    for (const [typeName, at] of types) {
      const mine = ours[at.service][at.method];
      const ref = (reference[at.service] as Record<string, MethodDefinition>)[at.method];
      const [encodeMine, encodeRef, decodeMine, decodeRef] = at.side === 'request'
        ? [mine.requestSerialize, ref.requestSerialize, mine.requestDeserialize, ref.requestDeserialize]
        : [mine.responseSerialize, ref.responseSerialize, mine.responseDeserialize, ref.responseDeserialize];
      fc.assert(fc.property(messageOf(pb, full.lookupType(typeName), 2), (obj) => {
        const bytes = encodeMine(obj);
        assert.deepEqual(bytes, encodeRef(obj), `${typeName}: encoded bytes differ`);
        const decoded = decodeMine(bytes);
        assert.deepEqual(decoded, decodeRef(bytes), `${typeName}: decoded objects differ`);
        // And back: what we decoded (defaults filled in, as etcd3 sees it) encodes as proto-loader's would and
        // decodes to the same object again.
        const again = encodeMine(decoded);
        assert.deepEqual(again, encodeRef(decoded), `${typeName}: re-encoded bytes differ`);
        assert.deepEqual(decodeMine(again), decoded, `${typeName}: decode, encode, decode changed the message`);
      }), { numRuns: 40, reporter: (r) => { if (r.failed) throw new Error(`${typeName}: ${String((r.errorInstance as Error)?.message)} on ${fc.stringify(r.counterexample)}`); } });
    }
  });
});
