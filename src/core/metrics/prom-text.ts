// Parses the Prometheus text exposition format (version 0.0.4, what etcd serves on /metrics) into samples.
// Hand-written rather than a library: see the README ("Member performance"). Bad bytes become a
// MetricsParseError naming the line, never a crash; the input size is bounded by the scraper.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  samples: Sample[];
  /** `# TYPE` per metric family name. */
  types: Map<string, string>;
}

export class MetricsParseError extends Error {}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const MAX_LABELS = 64;

function parseValue(text: string): number | null {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  return Number(text);
}

/** Reads `{a="x",b="y"}` starting at `i` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, i: number, fail: (why: string) => never): [Record<string, string>, number] {
  const labels: Record<string, string> = Object.create(null);
  let count = 0;
  i++;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] === '}') return [labels, i + 1];
    const name = LABEL_NAME.exec(line.slice(i))?.[0] ?? fail('a label name was expected');
    i += name.length;
    while (line[i] === ' ') i++;
    if (line[i] !== '=') fail(`"=" was expected after label ${name}`);
    i++;
    while (line[i] === ' ') i++;
    if (line[i] !== '"') fail(`label ${name} has no quoted value`);
    i++;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) fail(`label ${name} has an unterminated value`);
      if (c === '"') { i++; break; }
      if (c === '\\') {
        const next = line[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else fail(`label ${name} has a bad escape`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    if (++count > MAX_LABELS) fail('too many labels');
    labels[name] = value;
    while (line[i] === ' ') i++;
    if (line[i] === ',') { i++; continue; }
    if (line[i] === '}') return [labels, i + 1];
    fail(`"," or "}" was expected after label ${name}`);
  }
}

export interface ParseOptions {
  /** Samples of metrics this returns false for are skipped unparsed past their name (most of etcd's text is grpc_* and go_*). */
  keep?: (name: string) => boolean;
}

export function parsePrometheusText(text: string, options: ParseOptions = {}): ParsedMetrics {
  const keep = options.keep;
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, '');
    const fail = (why: string): never => {
      throw new MetricsParseError(`metrics text, line ${n + 1}: ${why} (${JSON.stringify(line.slice(0, 80))})`);
    };
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*TYPE\s+(\S+)\s+(counter|gauge|histogram|summary|untyped)\s*$/.exec(line);
      if (m) types.set(m[1], m[2]);
      else if (/^#\s*TYPE\b/.test(line)) fail('a malformed TYPE line');
      continue;
    }
    const name = NAME.exec(line)?.[0] ?? fail('a metric name was expected');
    if (keep && !keep(name)) continue;
    let i = name.length;
    let labels: Record<string, string> = Object.create(null);
    if (line[i] === '{') [labels, i] = parseLabels(line, i, fail);
    const rest = line.slice(i).trim().split(/\s+/);
    if (rest.length < 1 || rest.length > 2 || rest[0] === '') fail('a value was expected');
    if (line[i] !== ' ' && line[i] !== '\t') fail('a space was expected before the value');
    const value = parseValue(rest[0]);
    if (value === null) fail(`"${rest[0].slice(0, 20)}" is not a number`);
    if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])) fail('the timestamp is not an integer');
    samples.push({ name, labels, value: value as number });
  }
  return { samples, types };
}
