// Command-line options: one table per command, parsed by Node's util.parseArgs in strict mode. A flag the
// table does not name, a flag without its value, a bad number or a stray argument is a usage error, raised
// before the command runs, so a typo (`--dryrun`) can never reach a cluster.
import { parseArgs as nodeParseArgs } from 'node:util';

export class UsageError extends Error {}

interface BaseOption {
  /** One short sentence for --help. */
  help: string;
  short?: string;
  /** Heading the option is listed under in --help ("Connection"); "Options" when absent. */
  group?: string;
}
export interface BooleanOption extends BaseOption { type: 'boolean' }
export interface StringOption extends BaseOption {
  type: 'string';
  /** The value's name in --help: `--cacert FILE`. */
  value: string;
  default?: string;
  choices?: readonly string[];
}
export interface IntegerOption extends BaseOption {
  type: 'integer';
  value: string;
  default?: number;
  min: number;
  max?: number;
}
export type OptionSpec = BooleanOption | StringOption | IntegerOption;
export type OptionTable = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> =
  S extends BooleanOption ? boolean
    : S extends IntegerOption ? (S extends { default: number } ? number : number | undefined)
      : S extends { default: string } ? string : string | undefined;

export type OptionValues<T extends OptionTable> = { [K in keyof T]: ValueOf<T[K]> };

export interface ParsedArgs<T extends OptionTable = OptionTable> {
  values: OptionValues<T>;
  /** The one positional argument the command takes, when it takes one and it was given. */
  positional: string | undefined;
  help: boolean;
  /** Options as typed on the command line (not defaults), for commands that print a command to re-run. */
  given: Map<string, string | true>;
}

/** Every command takes -h/--help; it is not in the tables so it cannot be forgotten. */
export const HELP_OPTION: BooleanOption = { type: 'boolean', short: 'h', help: 'show this help' };

function nodeConfig(table: OptionTable) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(table)) {
    options[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string', ...(spec.short ? { short: spec.short } : {}) };
  }
  return options;
}

function flagName(token: { name: string; rawName: string }): string {
  return token.rawName.startsWith('--') ? `--${token.name}` : token.rawName;
}

/** Edit distance, for "did you mean": a one-letter typo of a destructive flag deserves the right name. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

/** The candidate a typo most likely meant: same letters but for dashes, or a small edit away. */
export function nearestName(name: string, candidates: string[]): string | undefined {
  const squash = (s: string) => s.replace(/-/g, '');
  return candidates
    .map((k) => ({ k, d: squash(k) === squash(name) ? 0 : distance(name, k) }))
    .filter((x) => x.d <= Math.max(1, Math.floor(x.k.length / 3)))
    .sort((a, b) => a.d - b.d)[0]?.k;
}

function suggestion(name: string, table: OptionTable): string {
  const near = nearestName(name, Object.keys(table));
  return near ? ` (did you mean --${near}?)` : '';
}

/**
 * Says in one line what is wrong with argv. Runs only after the strict parse refused it, on a lenient parse
 * of the same argv, so the wording is ours while the strict parser stays the judge.
 */
function explain(argv: string[], table: OptionTable, positional: string | undefined, fallback: string): string {
  let tokens;
  try {
    tokens = nodeParseArgs({ args: argv, options: nodeConfig(table), strict: false, allowPositionals: true, tokens: true }).tokens;
  } catch {
    return fallback;
  }
  let positionals = 0;
  for (const t of tokens) {
    if (t.kind === 'option') {
      const spec = t.name === 'help' ? HELP_OPTION : table[t.name];
      if (!spec) return `unknown flag ${flagName(t)}${suggestion(t.name, table)}`;
      if (spec.type === 'boolean' && t.value !== undefined) return `${flagName(t)} takes no value`;
      if (spec.type !== 'boolean' && (t.value === undefined || (!t.inlineValue && t.value.startsWith('-')))) {
        return `${flagName(t)} needs a value (${flagName(t)} ${spec.value})`;
      }
    } else if (t.kind === 'positional') {
      positionals++;
      if (!positional) return `unexpected argument "${t.value}": this command takes flags only`;
      if (positionals > 1) return `unexpected argument "${t.value}": only one ${positional} is taken`;
    }
  }
  return fallback;
}

function integer(name: string, raw: string, spec: IntegerOption): number {
  const range = spec.max === undefined ? `>= ${spec.min}` : `>= ${spec.min} and <= ${spec.max}`;
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < spec.min || (spec.max !== undefined && n > spec.max)) {
    throw new UsageError(`--${name} must be an integer ${range}, got "${raw}"`);
  }
  return n;
}

export function oneOf(choices: readonly string[]): string {
  return choices.length === 1 ? choices[0] : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
}

/**
 * Parses argv against a command's table. `positional` names the one positional argument the command takes
 * (none when absent). Throws UsageError, with a one-line reason, for anything the table does not allow.
 */
export function parseArgs<T extends OptionTable>(argv: string[], table: T, positional?: string): ParsedArgs<T> {
  let parsed;
  try {
    parsed = nodeParseArgs({ args: argv, options: nodeConfig(table), strict: true, allowPositionals: Boolean(positional), tokens: true });
  } catch (err) {
    const first = String((err as Error).message ?? err).split('\n')[0];
    throw new UsageError(explain(argv, table, positional, first));
  }
  if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument "${parsed.positionals[1]}": only one ${positional} is taken`);
  const given = new Map<string, string | true>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option') continue;
    // The last of two different values would win silently: for `--member a --member b` that is a guess.
    const previous = given.get(t.name);
    const value = t.value ?? true;
    if (previous !== undefined && previous !== value) throw new UsageError(`--${t.name} given twice ("${previous}", "${value}")`);
    given.set(t.name, value);
  }
  const values: Record<string, string | number | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(table)) {
    const raw = parsed.values[name];
    if (spec.type === 'boolean') values[name] = raw === true;
    else if (typeof raw !== 'string') values[name] = spec.default;
    else if (spec.type === 'integer') values[name] = integer(name, raw, spec);
    else if (spec.choices && !spec.choices.includes(raw)) throw new UsageError(`--${name} must be ${oneOf(spec.choices)}, got "${raw}"`);
    else values[name] = raw;
  }
  return { values: values as OptionValues<T>, positional: parsed.positionals[0], help: parsed.values.help === true, given };
}
