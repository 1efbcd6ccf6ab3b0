// Placeholder until the command lands.
import { CliCommand } from './command';

export const command: CliCommand = {
  summary: 'status',
  async run(_args, io) { io.err('etcd-ops status: not available yet'); return 1; },
};
