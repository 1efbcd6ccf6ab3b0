// Placeholder until the command lands.
import { CliCommand } from './command';

export const command: CliCommand = {
  summary: 'certs',
  async run(_args, io) { io.err('etcd-ops certs: not available yet'); return 1; },
};
