// When the Kubernetes extension is installed, contribute an "etcd" folder under each context of its Cluster
// Explorer, through its public API (the API broker its activate() returns). We never activate it ourselves:
// its activation can prompt (no kubeconfig, no kubectl) people who did not open it. So we wait until it is
// active (it activates when its view opens; so do we, by the onView event in package.json).
import * as vscode from 'vscode';
import type { API, APIBroker, ClusterExplorerV1 } from 'vscode-kubernetes-tools-api';
import { App } from '../app';
import { etcdFolder } from './etcd-folder';
import { RefreshOnChange } from './refresh-on-change';

export const KUBERNETES_EXTENSION_ID = 'ms-kubernetes-tools.vscode-kubernetes-tools';
/** How often to look whether the Kubernetes extension has activated (a property read; stops once connected). */
const ACTIVE_POLL_MS = 1_000;

type ContextNode = ClusterExplorerV1.ClusterExplorerContextNode | ClusterExplorerV1.ClusterExplorerInactiveContextNode;

/** `onActive` runs once the Kubernetes extension is found active (etcd Ops may have been dormant until then). */
export function registerClusterExplorer(app: App, onActive?: () => void): void {
  let timer: NodeJS.Timeout | undefined;
  let contributed = false;
  const stop = () => { if (timer) clearInterval(timer); timer = undefined; };
  const poll = () => {
    const kubernetes = vscode.extensions.getExtension<APIBroker>(KUBERNETES_EXTENSION_ID);
    if (contributed || !kubernetes) { stop(); return; }
    if (!kubernetes.isActive) { timer ??= setInterval(poll, ACTIVE_POLL_MS); return; }
    stop();
    // Once per session: a second contributor would show every etcd folder twice.
    contributed = true;
    onActive?.();
    void contribute(app, kubernetes);
  };
  // The Kubernetes extension may also be installed while we run.
  app.context.subscriptions.push(vscode.extensions.onDidChange(() => { if (!timer) poll(); }), { dispose: stop });
  setImmediate(poll);
}

async function contribute(app: App, kubernetes: vscode.Extension<APIBroker>): Promise<void> {
  let explorer: API<ClusterExplorerV1>;
  try {
    const broker = await kubernetes.activate();
    explorer = await broker.get('clusterexplorer', 'v1') as API<ClusterExplorerV1>;
  } catch (err) {
    app.log.warn(`Kubernetes extension: could not reach its Cluster Explorer API: ${(err as Error).message}`);
    return;
  }
  if (!explorer.available) {
    app.log.info(`Kubernetes extension: Cluster Explorer API v1 not available (${explorer.reason}); no etcd folder there.`);
    return;
  }
  const api = explorer.api;
  // Inactive contexts too: etcd Ops watches every context, not only kubectl's current one.
  const isContext = (n: ClusterExplorerV1.ClusterExplorerNode | undefined): n is ContextNode =>
    n?.nodeType === 'context' || n?.nodeType === 'context.inactive';
  api.registerNodeContributor({
    contributesChildren: isContext,
    getChildren: async (parent) => isContext(parent)
      ? [etcdFolder(parent.name, app.registry, { staleAfterMs: () => app.settings().refreshIntervalMs })]
      : [],
  });
  // The Explorer may be open already, its contexts expanded without us: redraw it once now.
  api.refresh();
  app.context.subscriptions.push(new RefreshOnChange(app.registry, () => api.refresh()));
  app.log.info('Kubernetes extension: etcd folder contributed under each context of its Cluster Explorer.');
}
