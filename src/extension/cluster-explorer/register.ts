// When the Kubernetes extension is installed, contribute an "etcd" folder under each context of its Cluster
// Explorer, through its public API (the API broker its activate() returns). Looked up after our activation
// returned, so an absent or slow Kubernetes extension costs our start nothing.
import * as vscode from 'vscode';
import type { API, APIBroker, ClusterExplorerV1 } from 'vscode-kubernetes-tools-api';
import { App } from '../app';
import { etcdFolder } from './etcd-folder';
import { RefreshOnChange } from './refresh-on-change';

export const KUBERNETES_EXTENSION_ID = 'ms-kubernetes-tools.vscode-kubernetes-tools';

export function registerClusterExplorer(app: App): void {
  let connected = false;
  const tryConnect = () => {
    const kubernetes = vscode.extensions.getExtension<APIBroker>(KUBERNETES_EXTENSION_ID);
    if (connected || !kubernetes) return;
    connected = true;
    void contribute(app, kubernetes);
  };
  // The Kubernetes extension may also be installed while we run.
  app.context.subscriptions.push(vscode.extensions.onDidChange(tryConnect));
  setImmediate(tryConnect);
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
  api.registerNodeContributor({
    contributesChildren: (parent) => parent?.nodeType === 'context',
    getChildren: async (parent) => parent?.nodeType === 'context'
      ? [etcdFolder(parent.name, app.registry, { staleAfterMs: () => app.settings().refreshIntervalMs })]
      : [],
  });
  app.context.subscriptions.push(new RefreshOnChange(app.registry, () => api.refresh()));
  app.log.info('Kubernetes extension: etcd folder contributed under each context of its Cluster Explorer.');
}
