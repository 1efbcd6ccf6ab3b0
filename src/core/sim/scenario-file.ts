// Scenarios written as JSON files by operators (format: README.md in this folder). Parsing is strict:
// an unknown field or action is an error naming the place, so a typo never silently changes a rehearsal.
import { MAX_SLOTS } from './raft-node';
import { ScenarioSpec, ScenarioStep, STEP_ACTIONS } from './scenarios';

export class ScenarioFileError extends Error {}

const SPEC_FIELDS = new Set(['name', 'description', 'members', 'leader', 'down', 'learners', 'timing', 'network',
  'writeIntervalMs', 'settleMs', 'durationMs', 'dbSizeBytes', 'dbSizeInUseBytes', 'quotaBytes', 'storage', 'steps']);
const STEP_FIELDS = new Set(['action', 'at', 'jitterMs', 'background', 'member', 'via', 'to', 'groups', 'client', 'rate',
  'latencyMs', 'messageJitterMs',
  'durationMs', 'durationJitterMs', 'learner', 'startAfterMs', 'retryMs', 'attempts', 'neverStarts', 'order',
  'transferLeader', 'alarm', 'keepRevisions']);
const STORAGE_FIELDS = new Set(['snapshotCount', 'catchUpEntries', 'snapshotBytesPerSec', 'defragBytesPerSec']);
const MAX_BYTES = 2 ** 50;
const TIMING_FIELDS = new Set(['heartbeatMs', 'electionMs', 'preVote', 'checkQuorum', 'stepDownOnRemoval']);
const NETWORK_FIELDS = new Set(['latencyMs', 'jitterMs', 'loss']);
const MAX_MS = 3_600_000;

function fail(where: string, what: string): never {
  throw new ScenarioFileError(`${where}: ${what}`);
}

function object(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'must be an object');
  return v as Record<string, unknown>;
}

function onlyFields(o: Record<string, unknown>, allowed: Set<string>, where: string): void {
  for (const k of Object.keys(o)) if (!allowed.has(k)) fail(where, `unknown field "${k}"`);
}

function num(o: Record<string, unknown>, k: string, where: string, min: number, max: number): void {
  if (o[k] === undefined) return;
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(where, `"${k}" must be a number in [${min}, ${max}]`);
}

function bool(o: Record<string, unknown>, k: string, where: string): void {
  if (o[k] !== undefined && typeof o[k] !== 'boolean') fail(where, `"${k}" must be true or false`);
}

function str(o: Record<string, unknown>, k: string, where: string): void {
  if (o[k] !== undefined && (typeof o[k] !== 'string' || !(o[k] as string).trim())) fail(where, `"${k}" must be a non-empty string`);
}

function strList(o: Record<string, unknown>, k: string, where: string): void {
  if (o[k] === undefined) return;
  const v = o[k];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(where, `"${k}" must be a list of member names`);
}

function step(v: unknown, where: string): ScenarioStep {
  const o = object(v, where);
  onlyFields(o, STEP_FIELDS, where);
  if (typeof o.action !== 'string' || !(STEP_ACTIONS as readonly string[]).includes(o.action)) {
    fail(where, `"action" must be one of ${STEP_ACTIONS.join(', ')}`);
  }
  for (const k of ['at', 'jitterMs', 'durationMs', 'durationJitterMs', 'startAfterMs', 'retryMs']) num(o, k, where, 0, MAX_MS);
  num(o, 'latencyMs', where, 0, 60000);
  num(o, 'messageJitterMs', where, 0, 60000);
  num(o, 'rate', where, 0, 1);
  num(o, 'attempts', where, 1, 1000);
  num(o, 'client', where, 0, MAX_SLOTS);
  num(o, 'keepRevisions', where, 0, 1e9);
  for (const k of ['background', 'learner', 'neverStarts', 'transferLeader']) bool(o, k, where);
  if (o.order !== undefined && o.order !== 'leader-last' && o.order !== 'leader-first') fail(where, '"order" must be "leader-last" or "leader-first"');
  if (o.alarm !== undefined && o.alarm !== 'NOSPACE' && o.alarm !== 'CORRUPT') fail(where, '"alarm" must be "NOSPACE" or "CORRUPT"');
  for (const k of ['member', 'via', 'to']) str(o, k, where);
  if (o.groups !== undefined) {
    if (!Array.isArray(o.groups) || o.groups.some((g) => !Array.isArray(g) || g.some((x) => typeof x !== 'string'))) {
      fail(where, '"groups" must be a list of lists of member names, e.g. [["m1"], ["m2", "m3"]]');
    }
  }
  const needsMember = ['crash', 'restart', 'stop', 'isolate', 'remove-member', 'safe-remove-member', 'promote-member'];
  if (needsMember.includes(o.action as string) && o.member === undefined) fail(where, `"${o.action}" needs "member"`);
  if (o.action === 'partition' && o.groups === undefined) fail(where, '"partition" needs "groups"');
  if (o.action === 'loss' && o.rate === undefined) fail(where, '"loss" needs "rate"');
  if (o.action === 'delay' && o.latencyMs === undefined) fail(where, '"delay" needs "latencyMs"');
  if (o.action === 'wait' && o.durationMs === undefined) fail(where, '"wait" needs "durationMs"');
  return o as unknown as ScenarioStep;
}

/** Validates a parsed JSON value as a scenario; throws ScenarioFileError naming the first problem. */
export function parseScenario(value: unknown, source = 'scenario'): ScenarioSpec {
  const o = object(value, source);
  onlyFields(o, SPEC_FIELDS, source);
  str(o, 'name', source);
  if (o.name === undefined) fail(source, '"name" is required');
  if (o.description !== undefined && typeof o.description !== 'string') fail(source, '"description" must be a string');
  num(o, 'members', source, 1, MAX_SLOTS);
  if (o.members !== undefined && !Number.isInteger(o.members)) fail(source, '"members" must be an integer');
  str(o, 'leader', source);
  strList(o, 'down', source);
  strList(o, 'learners', source);
  for (const k of ['writeIntervalMs', 'settleMs', 'durationMs']) num(o, k, source, 0, MAX_MS);
  for (const k of ['dbSizeBytes', 'dbSizeInUseBytes', 'quotaBytes']) num(o, k, source, 1, MAX_BYTES);
  if (o.storage !== undefined) {
    const st = object(o.storage, `${source}.storage`);
    onlyFields(st, STORAGE_FIELDS, `${source}.storage`);
    num(st, 'snapshotCount', `${source}.storage`, 1, 1e9);
    num(st, 'catchUpEntries', `${source}.storage`, 0, 1e9);
    num(st, 'snapshotBytesPerSec', `${source}.storage`, 1, MAX_BYTES);
    num(st, 'defragBytesPerSec', `${source}.storage`, 1, MAX_BYTES);
  }
  if (o.timing !== undefined) {
    const t = object(o.timing, `${source}.timing`);
    onlyFields(t, TIMING_FIELDS, `${source}.timing`);
    num(t, 'heartbeatMs', `${source}.timing`, 1, 50000);
    num(t, 'electionMs', `${source}.timing`, 5, 50000);
    for (const k of ['preVote', 'checkQuorum', 'stepDownOnRemoval']) bool(t, k, `${source}.timing`);
  }
  if (o.network !== undefined) {
    const n = object(o.network, `${source}.network`);
    onlyFields(n, NETWORK_FIELDS, `${source}.network`);
    num(n, 'latencyMs', `${source}.network`, 0, 10000);
    num(n, 'jitterMs', `${source}.network`, 0, 10000);
    num(n, 'loss', `${source}.network`, 0, 1);
  }
  if (!Array.isArray(o.steps)) fail(source, '"steps" must be a list');
  const steps = (o.steps as unknown[]).map((s, i) => step(s, `${source}.steps[${i}]`));
  return { ...(o as unknown as ScenarioSpec), steps };
}

/** Parses scenario JSON text (e.g. a file's content). */
export function parseScenarioText(text: string, source = 'scenario file'): ScenarioSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ScenarioFileError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  return parseScenario(value, source);
}
