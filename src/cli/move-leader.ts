// Placeholder until the command lands.
import { CliCommand } from './command';

export const command: CliCommand = {
  summary: 'move-leader',
  async run(_args, io) { io.err('etcd-ops move-leader: not available yet'); return 1; },
};
