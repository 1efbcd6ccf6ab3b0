// The contract every `etcd-ops` subcommand module exports as `command`: its option table (which help.ts also
// turns into its --help) and what it does with the parsed values.
import { OptionTable, ParsedArgs } from './args';
import { CliIo } from './output';

export interface CliCommand<T extends OptionTable = OptionTable> {
  /** One line for `etcd-ops help`. */
  summary: string;
  /** What follows `etcd-ops <command>` in the usage line. */
  synopsis: string;
  /** Paragraphs of --help above the options. */
  description: string;
  options: T;
  /** The value name of the one positional argument the command takes; none when absent. */
  positional?: string;
  /** Paragraphs of --help below the options (exit codes, notes). */
  footer?: string;
  /** Runs with arguments the table accepted. Returns the process exit code. */
  run(args: ParsedArgs<T>, io: CliIo): Promise<number>;
}

/** Lets TypeScript infer the table's types for `run` from the table itself. */
export function defineCommand<T extends OptionTable>(command: CliCommand<T>): CliCommand<T> {
  return command;
}
