// The embedded Raft simulator: what the CLI, the extension and tests use. See README.md in this folder.
export { ETCD_DEFAULT_TIMING, Sim, resolveTiming } from './engine';
export type { ClusterSpec, MemberSpec, SimMember, SimOptions, SimTiming } from './engine';
export { ETCD_ERRORS } from './etcd-server';
export { runMonteCarlo, distribution, percentile } from './monte-carlo';
export type { Distribution, MonteCarloOptions, MonteCarloSummary, ScenarioSource } from './monte-carlo';
export { SimRecorder } from './recorder';
export type { MessageRecord, NodeView } from './recorder';
export { runScenario, clusterSpecFor } from './scenario-run';
export type { OpError, RunOptions, RunResult } from './scenario-run';
export { parseScenario, parseScenarioText, ScenarioFileError } from './scenario-file';
export { BUILTIN_SCENARIOS, builtinScenario } from './scenarios';
export type { BuiltinScenario, ScenarioSpec, ScenarioStep } from './scenarios';
export { SimPort } from './sim-port';
export type { SimPortOptions } from './sim-port';
export { simFromHealth, specFromHealth } from './topology';
export { parseJsonLines, toJsonLines } from './trace';
export type { TraceEvent, TraceEventKind } from './trace';
