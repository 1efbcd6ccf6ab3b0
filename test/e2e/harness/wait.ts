// Bounded polling: every wait in the e2e harness ends, and says what it was waiting for when it gives up.

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/**
 * Calls `probe` until it returns a value other than undefined/false, or throws after `timeoutMs` with a message
 * naming `what` (and the last error or value seen, which is usually the clue).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 15_000, intervalMs = 200, hint }: { timeoutMs?: number; intervalMs?: number; hint?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = '';
    } catch (err) {
      last = (err as Error).message.split('\n')[0] ?? '';
    }
    if (Date.now() >= deadline) {
      const extra = [last && `last error: ${last}`, hint?.()].filter(Boolean).join('; ');
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}${extra ? ` (${extra})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Rejects with a clear message if `promise` has not settled within `timeoutMs`. */
export async function withTimeout<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
