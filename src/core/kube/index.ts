// The Kubernetes side's public surface. Meant as its own bundle entry (dist/kube.js, loaded with require() on
// first use) so that the extension's and the CLI's bundles do not carry @kubernetes/client-node: even
// unevaluated, parsing its ~3.5 MB costs more than the activation budget.
export { ControlPlaneWatcher } from './control-plane-watcher';
export type { ControlPlaneWatcherOptions } from './control-plane-watcher';
export { listControlPlane } from './list-control-plane';
export type { ListControlPlaneOptions } from './list-control-plane';
export { correlate } from './correlate';
export type { Correlation, LinkReason, MemberLink } from './correlate';
export { KubeError } from './errors';
export type { KubeErrorKind } from './errors';
export { kubeconfigPaths, listKubeContexts } from './kubeconfig';
export type { KubeconfigSource, KubeContextInfo } from './kubeconfig';
export type { KubeTarget } from './client';
export type * from './model';
export type { ControlPlaneSnapshot } from './snapshot';
export { controlPlaneNodeRows } from './node-rows';
export type { ControlPlaneNodeRow } from './node-rows';
export { READINESS_CODES, readinessFindings, readinessSummary } from './apiserver-readiness';
export type { ApiserverReadiness, ReadyzCheck } from './apiserver-readiness';
