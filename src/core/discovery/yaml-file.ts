// Reads one YAML config file from the node, turning "cannot read" and "cannot parse" into findings.
import { Finding } from '../findings';
import { invalidConfigFinding, unreadableConfigFinding } from './config-findings';
import { NodeFs } from './node-fs';
import { isRecord, parseYaml, parseYamlAll, YamlError } from './yaml';

export interface YamlFile {
  /** Real path. */
  path: string;
  text: string;
  doc: Record<string, unknown>;
}

/** null when the file is missing, unreadable or invalid (the last two add a finding). */
export function readYamlFile(nfs: NodeFs, nodePath: string, what: string, findings: Finding[]): YamlFile | null {
  const r = nfs.read(nodePath);
  if (!r.ok) {
    if (r.reason === 'unreadable') findings.push(unreadableConfigFinding(r, what));
    return null;
  }
  try {
    const doc = parseYaml(r.text, r.path);
    return { path: r.path, text: r.text, doc: isRecord(doc) ? doc : {} };
  } catch (err) {
    if (err instanceof YamlError) { findings.push(invalidConfigFinding(err, what)); return null; }
    throw err;
  }
}

/** Every document of a multi-document file (manifests may carry several). */
export function readYamlDocuments(nfs: NodeFs, nodePath: string, what: string, findings: Finding[]): { path: string; text: string; docs: Record<string, unknown>[] } | null {
  const r = nfs.read(nodePath);
  if (!r.ok) {
    if (r.reason === 'unreadable') findings.push(unreadableConfigFinding(r, what));
    return null;
  }
  try {
    return { path: r.path, text: r.text, docs: parseYamlAll(r.text, r.path).filter(isRecord) };
  } catch (err) {
    if (err instanceof YamlError) { findings.push(invalidConfigFinding(err, what)); return null; }
    throw err;
  }
}
