// Ctrl-C as cancellation: the first one aborts the operation (it stops before its next change), a second quits.
import { CliIo } from './output';

export interface Cancellation {
  signal: AbortSignal;
  /** Stops listening for Ctrl-C; call it when the operation has returned. */
  dispose(): void;
}

export function cancelOnSigint(io: CliIo, whatHappens: string): Cancellation {
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
    io.err(`cancelling: ${whatHappens} (Ctrl-C again to quit now)`);
  };
  process.on('SIGINT', onSigint);
  return { signal: abort.signal, dispose: () => { process.off('SIGINT', onSigint); } };
}
