// Bundles the extension (vscode external), the CLI and the webview scripts into dist/. Type checking is
// `npm run typecheck` (the webviews have their own tsconfig, with the DOM library).
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

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

// etcd3 parses rpc.proto with protobufjs at load time (~35 ms). The same definitions, parsed once here and
// embedded as JSON, load in a few ms: a large part of `etcd-ops status` start-up.
const require = createRequire(import.meta.url);
function precompiledEtcdProtos() {
  const protobuf = require(require.resolve('protobufjs', { paths: [require.resolve('@grpc/proto-loader')] }));
  const root = new protobuf.Root();
  root.loadSync(path.join(root_dir(), 'node_modules', 'etcd3', 'proto', 'rpc.proto'), { keepCase: true });
  const json = JSON.stringify(root.toJSON());
  return {
    name: 'etcd3-precompiled-protos',
    setup(build) {
      build.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, async (args) => {
        const source = await fs.promises.readFile(args.path, 'utf8');
        const call = /\(0, proto_loader_1\.loadSync\)\(`\$\{__dirname\}\/\.\.\/proto\/rpc\.proto`, \{/;
        if (!call.test(source)) throw new Error('etcd3 changed how it loads rpc.proto: update esbuild.mjs');
        return { contents: source.replace(call, `(0, proto_loader_1.fromJSON)(${json}, {`), loader: 'js' };
      });
    },
  };
}
function root_dir() { return root; }

// src/core/etcd/grpc.ts (etcd3, grpc-js, protobufjs: most of the bytes) becomes dist/grpc.js, required on
// first connection; the other bundles keep `require('./grpc')`, which resolves next to them in dist/.
const grpcOnDemand = {
  name: 'grpc-on-demand',
  setup(build) {
    build.onResolve({ filter: /^\.\/grpc$/ }, (args) =>
      (args.importer.endsWith(path.join('core', 'etcd', 'endpoint-client.ts')) ? { path: './grpc.js', external: true } : undefined));
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
};

copyEtcdProtos();
const builds = [
  { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  // Loaded on demand by src/extension/kube-loader.ts, so the Kubernetes client is not parsed at activation.
  { ...common, entryPoints: { kube: 'src/core/kube/index.ts' }, outdir: 'dist' },
  { ...common, entryPoints: { grpc: 'src/core/etcd/grpc.ts' }, outdir: 'dist' },
  { ...common, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
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
