// Finds and reads kubeconfig files without @kubernetes/client-node (which costs ~130 ms to load): listing
// contexts for a picker must stay cheap. Merging follows kubectl: with KUBECONFIG=a:b the first file that
// names a context, cluster or user wins, and so does the first current-context.
import * as os from 'node:os';
import * as path from 'node:path';
import { isRecord, parseYaml, YamlError } from '../discovery/yaml';
import { CappedReadError, readFileCapped } from '../read-capped';
import { KubeError } from './errors';

export interface KubeconfigSource {
  /** An explicit kubeconfig path: wins over KUBECONFIG and ~/.kube/config. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

export interface KubeContextInfo {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
  /** The cluster's API server URL, when the cluster entry exists. */
  server?: string;
  /** The file that defined this context. */
  file: string;
  current: boolean;
  /** Why this context cannot be used (missing cluster or user), if so. */
  problem?: string;
}

interface Named {
  entry: Record<string, unknown>;
  file: string;
}

export interface LoadedKubeconfig {
  files: string[];
  currentContext?: string;
  contexts: Map<string, Named>;
  clusters: Map<string, Named>;
  users: Map<string, Named>;
}

export interface ResolvedContext {
  name: string;
  server: string;
  /** A kubeconfig holding only this context, its cluster and user, with file paths made absolute. */
  config: Record<string, unknown>;
}

/** Which files make up the kubeconfig: explicit path, else KUBECONFIG's list, else ~/.kube/config. */
export function kubeconfigPaths(src: KubeconfigSource = {}): { paths: string[]; from: 'explicit' | 'KUBECONFIG' | 'default' } {
  if (src.path) return { paths: [path.resolve(src.path)], from: 'explicit' };
  const env = src.env ?? process.env;
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).map((p) => p.trim()).filter(Boolean);
  if (list.length) return { paths: [...new Set(list.map((p) => path.resolve(p)))], from: 'KUBECONFIG' };
  return { paths: [path.join(src.home ?? os.homedir(), '.kube', 'config')], from: 'default' };
}

/** Real kubeconfigs with many contexts and embedded certificates stay well under this. */
export const KUBECONFIG_MAX_BYTES = 16 * 1024 * 1024;

function readKubeconfigFile(file: string): Record<string, unknown> | null {
  let text: string;
  try {
    text = readFileCapped(file, KUBECONFIG_MAX_BYTES, 'kubeconfig').toString('utf8');
  } catch (err) {
    if (!(err instanceof CappedReadError)) throw err;
    if (err.errno === 'ENOENT' || err.errno === 'ENOTDIR') return null;
    const why = err.code === 'not-a-file' ? 'it is not a regular file' : err.message.slice(file.length + 2);
    throw new KubeError('kubeconfig-invalid', `cannot read kubeconfig ${file}: ${why}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, file);
  } catch (err) {
    const e = err as YamlError;
    throw new KubeError('kubeconfig-invalid', `kubeconfig ${file}${e.line ? ` line ${e.line}` : ''} is not valid YAML: ${e.reason}`);
  }
  if (doc === undefined || doc === null) return {};
  if (!isRecord(doc)) throw new KubeError('kubeconfig-invalid', `kubeconfig ${file} is not a YAML mapping`);
  return doc;
}

function namedList(doc: Record<string, unknown>, key: 'contexts' | 'clusters' | 'users', inner: string, file: string): [string, Record<string, unknown>][] {
  const list = doc[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new KubeError('kubeconfig-invalid', `kubeconfig ${file}: "${key}" must be a list`);
  return list.map((item, i) => {
    if (!isRecord(item) || typeof item.name !== 'string' || !item.name) {
      throw new KubeError('kubeconfig-invalid', `kubeconfig ${file}: ${key}[${i}] has no name`);
    }
    const body = item[inner];
    if (body !== undefined && body !== null && !isRecord(body)) {
      throw new KubeError('kubeconfig-invalid', `kubeconfig ${file}: ${key}[${i}] ("${item.name}") has a malformed "${inner}" entry`);
    }
    return [item.name, (body ?? {}) as Record<string, unknown>];
  });
}

/** Reads and merges the kubeconfig files. Throws KubeError (kubeconfig-missing / kubeconfig-invalid). */
export function loadKubeconfig(src: KubeconfigSource = {}): LoadedKubeconfig {
  const { paths, from } = kubeconfigPaths(src);
  const out: LoadedKubeconfig = { files: [], contexts: new Map(), clusters: new Map(), users: new Map() };
  for (const file of paths) {
    const doc = readKubeconfigFile(file);
    if (doc === null) continue;
    out.files.push(file);
    if (out.currentContext === undefined && typeof doc['current-context'] === 'string' && doc['current-context']) {
      out.currentContext = doc['current-context'];
    }
    for (const [key, inner] of [['contexts', 'context'], ['clusters', 'cluster'], ['users', 'user']] as const) {
      for (const [name, entry] of namedList(doc, key, inner, file)) {
        if (!out[key].has(name)) out[key].set(name, { entry, file });
      }
    }
  }
  if (out.files.length === 0) {
    const where = from === 'KUBECONFIG' ? `none of the KUBECONFIG files exist (${paths.join(path.delimiter)})` : `no kubeconfig at ${paths[0]}`;
    throw new KubeError('kubeconfig-missing', `${where}${from === 'default' ? ' (set KUBECONFIG or give a kubeconfig path)' : ''}`);
  }
  return out;
}

function contextProblem(cfg: LoadedKubeconfig, name: string, ctx: Record<string, unknown>): string | undefined {
  const cluster = typeof ctx.cluster === 'string' ? ctx.cluster : '';
  const user = typeof ctx.user === 'string' ? ctx.user : '';
  if (!cluster) return `context "${name}" names no cluster`;
  const c = cfg.clusters.get(cluster);
  if (!c) return `context "${name}" names cluster "${cluster}", which is not in the kubeconfig`;
  if (typeof c.entry.server !== 'string' || !c.entry.server) return `cluster "${cluster}" (context "${name}") has no server URL`;
  if (user && !cfg.users.has(user)) return `context "${name}" names user "${user}", which is not in the kubeconfig`;
  return undefined;
}

/** Every context of the merged kubeconfig, cheaply (no client library), with its problem if it has one. */
export function listKubeContexts(src: KubeconfigSource = {}): KubeContextInfo[] {
  const cfg = loadKubeconfig(src);
  return [...cfg.contexts].map(([name, { entry, file }]) => {
    const cluster = typeof entry.cluster === 'string' ? entry.cluster : '';
    const server = cfg.clusters.get(cluster)?.entry.server;
    return {
      name, cluster, file,
      user: typeof entry.user === 'string' ? entry.user : '',
      namespace: typeof entry.namespace === 'string' ? entry.namespace : undefined,
      server: typeof server === 'string' ? server : undefined,
      current: name === cfg.currentContext,
      problem: contextProblem(cfg, name, entry),
    };
  });
}

const PATH_KEYS: Record<'cluster' | 'user', string[]> = {
  cluster: ['certificate-authority'],
  user: ['client-certificate', 'client-key', 'tokenFile'],
};

/** Copies an entry with its relative file references resolved against the file that defined it (kubectl's rule). */
function withAbsolutePaths(kind: 'cluster' | 'user', named: Named): Record<string, unknown> {
  const entry = { ...named.entry };
  const dir = path.dirname(named.file);
  for (const key of PATH_KEYS[kind]) {
    const v = entry[key];
    if (typeof v === 'string' && v && !path.isAbsolute(v)) entry[key] = path.resolve(dir, v);
  }
  if (kind === 'user' && isRecord(entry.exec)) entry.exec = withExecCommandResolved(entry.exec, dir);
  return entry;
}

/**
 * An exec plugin's command, as kubectl runs it: a relative path (one with a separator, like `./bin/token`)
 * is relative to the kubeconfig's folder, a bare name is looked up in PATH and stays as it is.
 */
function withExecCommandResolved(exec: Record<string, unknown>, dir: string): Record<string, unknown> {
  const command = exec.command;
  if (typeof command !== 'string' || !command || path.isAbsolute(command) || !command.includes(path.sep)) return exec;
  return { ...exec, command: path.resolve(dir, command) };
}

/** Picks a context (the current one when no name is given) and checks that its cluster and user exist. */
export function resolveContext(cfg: LoadedKubeconfig, name?: string): ResolvedContext {
  const ctxName = name ?? cfg.currentContext;
  if (!ctxName) {
    throw new KubeError('context-not-found', `the kubeconfig (${cfg.files.join(', ')}) sets no current-context; name a context`);
  }
  const ctx = cfg.contexts.get(ctxName);
  if (!ctx) {
    const have = [...cfg.contexts.keys()];
    throw new KubeError('context-not-found',
      `context "${ctxName}" is not in the kubeconfig (${have.length ? `have: ${have.join(', ')}` : 'it has no contexts'})`);
  }
  const problem = contextProblem(cfg, ctxName, ctx.entry);
  if (problem) throw new KubeError('context-invalid', problem);
  const clusterName = ctx.entry.cluster as string;
  const userName = typeof ctx.entry.user === 'string' ? ctx.entry.user : '';
  const cluster = withAbsolutePaths('cluster', cfg.clusters.get(clusterName)!);
  const user = userName ? withAbsolutePaths('user', cfg.users.get(userName)!) : {};
  const safeUser = userName || 'anonymous';
  return {
    name: ctxName,
    server: cluster.server as string,
    config: {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': ctxName,
      contexts: [{ name: ctxName, context: { ...ctx.entry, user: safeUser } }],
      clusters: [{ name: clusterName, cluster }],
      users: [{ name: safeUser, user }],
    },
  };
}
