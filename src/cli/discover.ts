// Placeholder until the command lands.
import { CliCommand } from './command';

export const command: CliCommand = {
  summary: 'discover',
  async run(_args, io) { io.err('etcd-ops discover: not available yet'); return 1; },
};
