#!/usr/bin/env node
// Builds kube-apiserver and kubectl for the tests from the k8s.io/kubernetes release pinned in
// test/servers/versions.json, through a small wrapper module (test/servers/kube/). k8s.io/kubernetes requires
// its staging modules at v0.0.0 and replaces them with local folders, so the wrapper maps each one to the
// published v0.x.y of the same release and copies every other pin from that release's go.mod.
// Output: ${XDG_CACHE_HOME:-~/.cache}/etcd-ops/servers/kubernetes-<ver>-go<gover>/{kube-apiserver,kubectl}.
// A second run builds nothing. Usage: node scripts/build-kube.mjs [--print-dir]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const templateDir = join(repo, 'test', 'servers', 'kube');
const BINARIES = ['kube-apiserver', 'kubectl'];

function log(message) {
  process.stderr.write(`build-kube: ${message}\n`);
}

function goEnv() {
  // GOTOOLCHAIN=local: never fetch another Go toolchain behind the user's back; CGO off: no C toolchain needed.
  return { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
}

function go(args, cwd) {
  return execFileSync('go', args, { cwd, env: goEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function seconds(sinceMs) {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)} s`;
}

/** Staging release for a Kubernetes release: v1.36.3 → v0.36.3. */
export function stagingVersion(kubeVersion) {
  const match = /^v1\.(\d+)\.(\d+)$/.exec(kubeVersion);
  if (!match) throw new Error(`unexpected Kubernetes version ${kubeVersion} (want v1.N.M)`);
  return `v0.${match[1]}.${match[2]}`;
}

/** The pins of k8s.io/kubernetes's go.mod that the wrapper needs: go directive, requires, staging replaces. */
export function readKubernetesGoMod(text) {
  const goDirective = /^go\s+(\S+)/m.exec(text)?.[1];
  const requires = [];
  const staging = [];
  let block = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (!line) continue;
    if (line === ')') { block = ''; continue; }
    const opener = /^(require|replace|exclude|retract|tool|ignore|godebug)\s*\($/.exec(line);
    if (opener) { block = opener[1]; continue; }
    const single = /^(require|replace)\s+(.+)$/.exec(line);
    const kind = single ? single[1] : block;
    const body = single ? single[2] : line;
    if (kind === 'require') {
      const [path, version] = body.split(/\s+/);
      if (path && version) requires.push({ path, version });
    } else if (kind === 'replace') {
      const replaced = /^(\S+)\s*=>\s*\.\/staging\/src\/(\S+)$/.exec(body);
      if (replaced) staging.push(replaced[1]);
    }
  }
  if (!goDirective) throw new Error('k8s.io/kubernetes go.mod has no go directive');
  if (staging.length === 0) throw new Error('k8s.io/kubernetes go.mod replaces no staging module');
  return { goDirective, requires, staging };
}

export function wrapperGoMod(template, kubeVersion, pins) {
  const published = stagingVersion(kubeVersion);
  const require = ['require (', ...pins.requires.map((r) => `\t${r.path} ${r.version}`), ')'].join('\n');
  const replace = ['replace (', ...pins.staging.map((path) => `\t${path} => ${path} ${published}`), ')'].join('\n');
  return template
    .replace(/^\/\/.*\n/, '')
    .replace('@GO@', pins.goDirective)
    .replace('@KUBERNETES@', kubeVersion)
    .replace('@REQUIRE@', require)
    .replace('@REPLACE@', replace);
}

/** What Kubernetes' own build stamps into its binaries, so /version and kubectl version tell the release. */
export function versionLdflags(kubeVersion) {
  const [, major, minor] = /^v(\d+)\.(\d+)/.exec(kubeVersion);
  const values = { gitVersion: kubeVersion, gitMajor: major, gitMinor: minor, gitTreeState: 'clean', buildDate: '1970-01-01T00:00:00Z' };
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => Object.entries(values).map(([k, v]) => `-X ${pkg}.${k}=${v}`)).join(' ');
}

export function kubeServerDir(kubeVersion, goVersion) {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'etcd-ops', 'servers', `kubernetes-${kubeVersion}-${goVersion}`);
}

function main() {
  const started = Date.now();
  const versions = JSON.parse(readFileSync(join(repo, 'test', 'servers', 'versions.json'), 'utf8'));
  const kubeVersion = versions.kubernetes;
  const goVersion = go(['env', 'GOVERSION']).trim();
  const outDir = kubeServerDir(kubeVersion, goVersion);
  if (process.argv.includes('--print-dir')) {
    process.stdout.write(`${outDir}\n`);
    return;
  }
  if (BINARIES.every((name) => existsSync(join(outDir, name)))) {
    log(`kubernetes ${kubeVersion} (${goVersion}) cached in ${outDir}: nothing to build`);
    return;
  }
  log(`building kubernetes ${kubeVersion} with ${goVersion} into ${outDir}`);

  const work = mkdtempSync(join(tmpdir(), 'etcd-ops-kube-build-'));
  try {
    let step = Date.now();
    const download = JSON.parse(go(['mod', 'download', '-json', `k8s.io/kubernetes@${kubeVersion}`], work));
    if (download.Error) throw new Error(download.Error);
    const pins = readKubernetesGoMod(readFileSync(download.GoMod, 'utf8'));
    const template = readFileSync(join(templateDir, 'go.mod.in'), 'utf8');
    writeFileSync(join(work, 'go.mod'), wrapperGoMod(template, kubeVersion, pins));
    cpSync(join(templateDir, 'cmd'), join(work, 'cmd'), { recursive: true });
    log(`wrapper module: ${pins.requires.length} pins, ${pins.staging.length} staging modules at ${stagingVersion(kubeVersion)}`);
    go(['mod', 'download'], work);
    log(`modules downloaded in ${seconds(step)}`);

    mkdirSync(outDir, { recursive: true });
    for (const name of BINARIES) {
      step = Date.now();
      const partial = join(outDir, `.${name}.partial-${process.pid}`);
      const result = spawnSync('go', ['build', '-trimpath', `-ldflags=-s -w ${versionLdflags(kubeVersion)}`, '-o', partial, `./cmd/${name}`], {
        cwd: work, env: goEnv(), stdio: 'inherit',
      });
      if (result.status !== 0) {
        rmSync(partial, { force: true });
        throw new Error(`go build ./cmd/${name} failed (exit ${result.status ?? result.signal})`);
      }
      renameSync(partial, join(outDir, name));
      log(`${name} built in ${seconds(step)}`);
    }
    log(`kubernetes ${kubeVersion} ready in ${outDir} (total ${seconds(started)})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
