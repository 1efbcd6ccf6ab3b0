// Bundles the extension (vscode external), the CLI and the webview scripts into dist/. Type checking is
// `npm run typecheck` (the webviews have their own tsconfig, with the DOM library).
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { usedEtcdProtoJson, usedServiceMethods } from './scripts/etcd-proto-json.mjs';

const root = import.meta.dirname;
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// etcd3 loads its .proto files at run time from <module dir>/../proto; bundled, that is <repo>/proto.
function copyEtcdProtos() {
  const from = path.join(root, 'node_modules', 'etcd3', 'proto');
  const to = path.join(root, 'proto');
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from).filter((f) => f.endsWith('.proto'))) fs.copyFileSync(path.join(from, f), path.join(to, f));
}

// etcd3 parses rpc.proto with protobufjs and proto-loader at load time, building descriptors of all its types.
// Instead the bundle embeds the services EndpointClient calls, parsed here (scripts/etcd-proto-json.mjs), and
// builds their package definition without descriptors (src/core/etcd/codecs/package-definition.ts).
function precompiledEtcdProtos() {
  const json = JSON.stringify(usedEtcdProtoJson());
  const skeleton = JSON.stringify(usedServiceMethods());
  const builder = JSON.stringify(path.join(root, 'src', 'core', 'etcd', 'codecs', 'package-definition.ts'));
  return {
    name: 'etcd3-precompiled-protos',
    setup(build) {
      build.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, async (args) => {
        const source = await fs.promises.readFile(args.path, 'utf8');
        const call = /\(0, proto_loader_1\.loadSync\)\(`\$\{__dirname\}\/\.\.\/proto\/rpc\.proto`, \{/;
        if (!call.test(source)) throw new Error('etcd3 changed how it loads rpc.proto: update esbuild.mjs');
        const loader = 'const proto_loader_1 = require("@grpc/proto-loader");';
        if (!source.includes(loader)) throw new Error('etcd3 changed how it requires proto-loader: update esbuild.mjs');
        // proto-loader (and the descriptor code it pulls in) is then not bundled at all.
        const contents = source.replace(loader, '').replace(call, `require(${builder}).etcdPackageDefinition(${json}, ${skeleton}, {`);
        return { contents, loader: 'js' };
      });
    },
  };
}

// src/core/etcd/grpc.ts (etcd3, grpc-js, protobufjs: most of the bytes) becomes dist/grpc.js, required on
// first connection; the other bundles keep `require('./grpc')`, which resolves next to them in dist/.
const grpcOnDemand = {
  name: 'grpc-on-demand',
  setup(build) {
    build.onResolve({ filter: /^\.\/grpc$/ }, (args) =>
      (args.importer.endsWith(path.join('core', 'etcd', 'grpc-loader.ts')) ? { path: './grpc.js', external: true } : undefined));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: true,
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [precompiledEtcdProtos(), grpcOnDemand],
  // grpc-loader.ts loads dist/grpc.js through the code cache when bundled (true), plain require from source.
  define: { ETCD_OPS_BUNDLED: 'true' },
};

copyEtcdProtos();
const builds = [
  { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  // Loaded on demand by src/extension/kube-loader.ts, so the Kubernetes client is not parsed at activation.
  { ...common, entryPoints: { kube: 'src/core/kube/index.ts' }, outdir: 'dist' },
  { ...common, entryPoints: { grpc: 'src/core/etcd/grpc.ts' }, outdir: 'dist' },
  // dist/cli.js is a small launcher that loads the CLI bundle (dist/cli-main.js) through the V8 code cache.
  { ...common, entryPoints: { 'cli-main': 'src/cli.ts' }, outdir: 'dist' },
  { ...common, entryPoints: { cli: 'src/cli-start.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  // Webview scripts run in the panel's browser context, loaded by the nonce-CSP shell (panels/webview-html.ts).
  { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: true, logLevel: 'warning',
    legalComments: 'none', entryPoints: { simulator: 'src/webview/simulator/main.ts' }, outdir: 'dist/webview' },
  { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: true, logLevel: 'warning',
    legalComments: 'none', entryPoints: { performance: 'src/webview/performance/main.ts' }, outdir: 'dist/webview' },
];
const existing = builds.filter((b) => Object.values(b.entryPoints).every((e) => fs.existsSync(path.join(root, e))));
if (watch) {
  for (const b of existing) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(existing.map((b) => esbuild.build(b)));
}
