// Bundles the extension (vscode external) and the CLI into dist/. Type checking is `npm run typecheck`.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

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

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: true,
  logLevel: 'warning',
  legalComments: 'none',
};

copyEtcdProtos();
const builds = [
  { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  // Loaded on demand by src/extension/kube-loader.ts, so the Kubernetes client is not parsed at activation.
  { ...common, entryPoints: { kube: 'src/core/kube/index.ts' }, outdir: 'dist' },
  { ...common, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
];
const existing = builds.filter((b) => Object.values(b.entryPoints).every((e) => fs.existsSync(path.join(root, e))));
if (watch) {
  for (const b of existing) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(existing.map((b) => esbuild.build(b)));
}
