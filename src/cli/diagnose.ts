// Placeholder until the command lands.
import { CliCommand } from './command';

export const command: CliCommand = {
  summary: 'diagnose',
  async run(_args, io) { io.err('etcd-ops diagnose: not available yet'); return 1; },
};
