// --help text made from a command's option table, so what is documented is exactly what is accepted.
import { HELP_OPTION, oneOf, OptionSpec, OptionTable } from './args';
import { CliCommand } from './command';

const WIDTH = 100;

function wrap(text: string, indent: number, first: number): string[] {
  const lines: string[] = [];
  let line = '';
  let room = WIDTH - first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = WIDTH - indent;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function optionLabel(name: string, spec: OptionSpec): string {
  const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}`;
  return spec.type === 'boolean' ? flag : `${flag} ${spec.value}`;
}

function optionHelp(spec: OptionSpec): string {
  const extras: string[] = [];
  if (spec.type === 'string' && spec.choices && !spec.value.includes('|')) extras.push(`one of ${oneOf(spec.choices)}`);
  if (spec.type !== 'boolean' && spec.default !== undefined) extras.push(`default ${spec.default}`);
  return extras.length ? `${spec.help} (${extras.join('; ')})` : spec.help;
}

/** The options part of a command's --help, grouped by heading, in table order. */
export function renderOptions(table: OptionTable): string {
  const all = Object.entries({ ...table, help: HELP_OPTION });
  const column = Math.min(30, Math.max(...all.map(([n, s]) => optionLabel(n, s).length)) + 4);
  const groups = new Map<string, string[]>();
  for (const [name, spec] of all) {
    const heading = spec.group ?? 'Options';
    const label = `  ${optionLabel(name, spec)}`;
    const text = wrap(optionHelp(spec), column, column);
    // A label too long for the column gets the help on the lines below it.
    const rows = label.length + 2 > column
      ? [label, ...text.map((t) => `${' '.repeat(column)}${t}`)]
      : [`${label.padEnd(column)}${text[0] ?? ''}`, ...text.slice(1).map((t) => `${' '.repeat(column)}${t}`)];
    groups.set(heading, [...(groups.get(heading) ?? []), ...rows]);
  }
  return [...groups].map(([heading, rows]) => `${heading}:\n${rows.join('\n')}`).join('\n\n');
}

/** Wraps a description's paragraphs (separated by blank lines) to the help width; indented ones stay as written. */
export function renderParagraphs(text: string): string {
  return text.replace(/^\n+|\s+$/g, '').split(/\n[ \t]*\n/)
    .map((p) => (/^ {2}/.test(p) ? p : wrap(p, 0, 0).join('\n'))).join('\n\n');
}

export function renderHelp(name: string, command: CliCommand<OptionTable>): string {
  return [
    `etcd-ops ${name} ${command.synopsis}`,
    renderParagraphs(command.description),
    renderOptions(command.options),
    ...(command.footer ? [renderParagraphs(command.footer)] : []),
  ].join('\n\n');
}
