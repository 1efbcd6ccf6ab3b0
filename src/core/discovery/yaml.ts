// YAML reading for config files (distro configs, etcd's own config, manifests, kubeconfigs). js-yaml ships with
// @kubernetes/client-node; it is required on first use so that importing this module costs nothing.

export class YamlError extends Error {
  constructor(readonly file: string, readonly line: number | undefined, readonly reason: string) {
    super(`${file}${line ? `:${line}` : ''} is not valid YAML: ${reason}`);
  }
}

type JsYaml = typeof import('js-yaml');
let jsYaml: JsYaml | undefined;
function loadJsYaml(): JsYaml {
  jsYaml ??= require('js-yaml') as JsYaml;
  return jsYaml;
}

/** Parses one YAML document. Bad syntax becomes a YamlError naming the file and the line. */
export function parseYaml(text: string, file: string): unknown {
  const yaml = loadJsYaml();
  try {
    return yaml.load(text, { filename: file });
  } catch (err) {
    const e = err as { mark?: { line?: number }; reason?: string; message?: string };
    const line = typeof e.mark?.line === 'number' ? e.mark.line + 1 : undefined;
    throw new YamlError(file, line, e.reason ?? (e.message ?? String(err)).split('\n')[0]);
  }
}

/** Parses every document of a multi-document YAML stream (`---` separated). */
export function parseYamlAll(text: string, file: string): unknown[] {
  const yaml = loadJsYaml();
  try {
    return yaml.loadAll(text, undefined, { filename: file }) as unknown[];
  } catch (err) {
    const e = err as { mark?: { line?: number }; reason?: string; message?: string };
    const line = typeof e.mark?.line === 'number' ? e.mark.line + 1 : undefined;
    throw new YamlError(file, line, e.reason ?? (e.message ?? String(err)).split('\n')[0]);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** 1-based line of the first `key:` at any indentation (also `- key:` in a list), or undefined. */
export function lineOfKey(text: string, key: string): number | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^\\s*(-\\s+)?["']?${escaped}["']?\\s*:`);
  const lines = text.split(/\r?\n/);
  const i = lines.findIndex((l) => re.test(l));
  return i >= 0 ? i + 1 : undefined;
}

/** 1-based line of the first line containing `needle`, or undefined. */
export function lineContaining(text: string, needle: string): number | undefined {
  const i = text.split(/\r?\n/).findIndex((l) => l.includes(needle));
  return i >= 0 ? i + 1 : undefined;
}
