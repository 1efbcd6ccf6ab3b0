// Whether a picked kubeconfig file is one the extension can use, in words for the operator: unreadable or
// invalid files and files without a usable context are refused with the reason, never silently saved.
import { listKubeContexts } from './kubeconfig';

export type KubeconfigCheck =
  | { ok: true; contexts: string[]; problems: string[] }
  | { ok: false; reason: string };

export function checkKubeconfigFile(file: string): KubeconfigCheck {
  let contexts;
  try {
    contexts = listKubeContexts({ path: file });
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  if (!contexts.length) return { ok: false, reason: `kubeconfig ${file} has no contexts` };
  const usable = contexts.filter((c) => !c.problem);
  const problems = contexts.flatMap((c) => (c.problem ? [c.problem] : []));
  if (!usable.length) return { ok: false, reason: `no context of ${file} can be used: ${problems.join('; ')}` };
  return { ok: true, contexts: usable.map((c) => c.name), problems };
}
