// Builds the extension for production and packages it as a .vsix with @vscode/vsce.
//
//   node scripts/package-vsix.mjs [--out <file.vsix>] [--no-build]
//
// Dependencies are bundled into dist/ by esbuild, so vsce runs with --no-dependencies (no node_modules in the
// package). As a module, `packageVsix({ root, out, build })` packages any extension folder (the e2e smoke test
// uses it for a throwaway extension).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const repoRoot = path.resolve(import.meta.dirname, '..');
const STEP_TIMEOUT_MS = 5 * 60_000;

// Used when the extension folder has no .vscodeignore of its own: ship only what runs, plus the docs.
// etcd3 reads proto/*.proto at run time (see esbuild.mjs); screenshots are for the README on GitHub only.
const DEFAULT_IGNORE = [
  '**',
  '!package.json',
  '!dist/*.js',
  '!dist/webview/*.js',
  '!proto/*.proto',
  '!media/**',
  'media/screenshots/**',
  '!README.md',
  '!CHANGELOG.md',
  '!LICENSE*',
  '',
].join('\n');

function run(cmd, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`\`${path.basename(cmd)} ${args.join(' ')}\` failed (${signal ?? `exit ${code}`}):\n${output.trim()}`));
    });
  });
}

function vsceBin() {
  const bin = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  if (!fs.existsSync(bin)) throw new Error('@vscode/vsce is not installed: run npm install');
  return bin;
}

/**
 * Packages the extension in `root` into `out` and returns { vsixPath, bytes, warnings }.
 * `warnings` lists what the manifest lacks for a publishable package (packaging proceeds without it).
 */
export async function packageVsix({ root = repoRoot, out, build = true } = {}) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const vsixPath = path.resolve(out ?? path.join(root, 'out', `${manifest.name}-${manifest.version}.vsix`));
  fs.mkdirSync(path.dirname(vsixPath), { recursive: true });
  if (build) await run(process.execPath, ['esbuild.mjs', '--production'], root);

  // The README's screenshots are relative links; inside the .vsix they stay relative (no public repository URL).
  const args = ['package', '--no-dependencies', '--no-rewrite-relative-links', '--out', vsixPath];
  const warnings = [];
  // vsce asks y/N on a terminal for these; without one it would fail, so say it here and pass the flag.
  if (!manifest.repository) {
    warnings.push('package.json has no "repository" field');
    args.push('--allow-missing-repository');
  }
  if (!fs.readdirSync(root).some((f) => /^LICEN[CS]E/i.test(f))) {
    warnings.push('no LICENSE file at the extension root');
    args.push('--skip-license');
  }
  let tempIgnore;
  if (!fs.existsSync(path.join(root, '.vscodeignore'))) {
    tempIgnore = fs.mkdtempSync(path.join(os.tmpdir(), 'vsce-ignore-'));
    // Whatever the layout, the manifest's entry point ships.
    const main = manifest.main ? `!${path.posix.normalize(manifest.main)}\n` : '';
    fs.writeFileSync(path.join(tempIgnore, '.vscodeignore'), DEFAULT_IGNORE + main);
    args.push('--ignoreFile', path.join(tempIgnore, '.vscodeignore'));
  }
  try {
    await run(process.execPath, [vsceBin(), ...args], root);
  } finally {
    if (tempIgnore) fs.rmSync(tempIgnore, { recursive: true, force: true });
  }
  return { vsixPath, bytes: fs.statSync(vsixPath).size, warnings };
}

async function main(argv) {
  let out;
  let build = true;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = argv[++i];
    else if (argv[i] === '--no-build') build = false;
    else throw new Error(`unknown argument ${argv[i]}; usage: node scripts/package-vsix.mjs [--out <file.vsix>] [--no-build]`);
  }
  const { vsixPath, bytes, warnings } = await packageVsix({ out, build });
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`${vsixPath} (${(bytes / 1024).toFixed(0)} KiB)\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`packaging failed: ${err.message}\n`);
    process.exit(1);
  });
}
