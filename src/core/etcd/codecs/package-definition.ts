// The gRPC package definition etcd3 loads, built for the services EndpointClient calls only. proto-loader
// (what etcd3 uses) also builds a descriptor of every message type for gRPC reflection, which a client never
// reads: most of its load time. Method paths and names are computed at build time (scripts/etcd-proto-json.mjs);
// the codecs are protobufjs's, with the same conversion proto-loader applies (its serializer and deserializer).
import * as protobuf from 'protobufjs/light';

export interface MethodSkeleton {
  name: string;
  path: string;
  originalName: string;
  requestStream: boolean;
  responseStream: boolean;
  requestType: string;
  responseType: string;
}

export interface ServiceSkeleton {
  service: string;
  methods: MethodSkeleton[];
}

export interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize(value: object): Buffer;
  requestDeserialize(bytes: Buffer): object;
  responseSerialize(value: object): Buffer;
  responseDeserialize(bytes: Buffer): object;
  originalName: string;
}

export type PackageDefinition = Record<string, Record<string, MethodDefinition>>;

function serializerOf(type: protobuf.Type): (value: object) => Buffer {
  return (value) => {
    if (Array.isArray(value)) throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
    return type.encode(type.fromObject(value)).finish() as Buffer;
  };
}

function deserializerOf(type: protobuf.Type, options: protobuf.IConversionOptions): (bytes: Buffer) => object {
  return (bytes) => type.toObject(type.decode(bytes), options);
}

/** `protoJson` is protobufjs JSON (Root#toJSON) holding every type the skeletons name. */
export function etcdPackageDefinition(protoJson: protobuf.INamespace, services: ServiceSkeleton[], options: protobuf.IConversionOptions): PackageDefinition {
  const root = protobuf.Root.fromJSON(protoJson);
  const out: PackageDefinition = {};
  for (const s of services) {
    const methods: Record<string, MethodDefinition> = {};
    for (const m of s.methods) {
      const request = root.lookupType(m.requestType);
      const response = root.lookupType(m.responseType);
      methods[m.name] = {
        path: m.path,
        requestStream: m.requestStream,
        responseStream: m.responseStream,
        requestSerialize: serializerOf(request),
        requestDeserialize: deserializerOf(request, options),
        responseSerialize: serializerOf(response),
        responseDeserialize: deserializerOf(response, options),
        originalName: m.originalName,
      };
    }
    out[s.service] = methods;
  }
  return out;
}
