// Where CLI commands write: stdout for results, stderr for the one-line reason of a failure.

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stdin and stdout are a terminal, so a confirmation may be asked. */
  interactive: boolean;
  ask(question: string): Promise<string>;
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** Renders rows as an aligned plain-text table. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
