// The safe-operations engine: intent -> plan -> preflight checks -> execute step by step -> verify.
// Consumers (CLI, VS Code, the simulator's rehearsal) import from here.
export { moveLeader } from './move-leader';
export { removeMember } from './remove-member';
export { removalChecks, quorumOfSize } from './removal-rules';
export { transferChecks, pickSuccessor } from './transfer-rules';
export { resolveMember } from './member-ref';
export { alarms } from './alarms';
export { compact } from './compact';
export { rollingDefrag } from './rolling-defrag';
export { renderReport, renderPlan, renderChecks, renderSteps, outcomeWord } from './report';
export * from './types';
