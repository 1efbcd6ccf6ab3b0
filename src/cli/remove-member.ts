// Placeholder until the command lands.
import { CliCommand } from './command';

export const command: CliCommand = {
  summary: 'remove-member',
  async run(_args, io) { io.err('etcd-ops remove-member: not available yet'); return 1; },
};
