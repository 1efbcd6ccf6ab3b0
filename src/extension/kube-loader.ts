// The Kubernetes client is ~3.5 MB of bundle: it lives in dist/kube.js, loaded on first use, so activation
// (which only parses dist/extension.js) stays fast. esbuild.mjs builds that file from src/core/kube/index.ts.
import * as path from 'node:path';

export type KubeModule = typeof import('../core/kube');

let loaded: KubeModule | undefined;

export function loadKube(): KubeModule {
  // A computed path keeps esbuild from inlining the module into extension.js.
  const file = path.join(__dirname, 'kube.js');
  loaded ??= require(file) as KubeModule;
  return loaded;
}
