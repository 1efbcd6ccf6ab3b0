// The contract every `etcd-ops` subcommand module exports as `command`.
import { ParsedArgs } from './args';
import { CliIo } from './output';

export interface CliCommand {
  summary: string;
  /** Returns the process exit code. */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}
