// Placeholder until the command lands.
import { CliCommand } from './command';

export const command: CliCommand = {
  summary: 'simulate',
  async run(_args, io) { io.err('etcd-ops simulate: not available yet'); return 1; },
};
