// Keeps one Kubernetes collection current: list, then watch from the list's resourceVersion; on 410 Gone (the
// version was compacted away) list again; on errors back off (bounded) and retry; a stream that goes quiet
// for longer than its window plus a grace period is dropped and reopened, so a dead connection cannot hang.
import { Backoff } from './backoff';
import { KubeSession, ListResult, WatchHandle } from './client';
import { KubeError, toKubeError } from './errors';

export interface ResourceWatchOptions<T> {
  session: KubeSession;
  /** For messages: "nodes", "etcd pods", ... */
  label: string;
  path: string;
  query?: Record<string, string>;
  list(): Promise<ListResult>;
  /** The model of one object, or null to not keep it. */
  convert(raw: unknown): T | null;
  /** A resource a cluster may not serve (the k0s CRD elsewhere): 404 means "absent", not an error. */
  optional?: boolean;
  watchWindowSeconds: number;
  idleGraceMs: number;
  backoff: Backoff;
  /** How long to wait before asking again whether an absent optional resource exists now. */
  absentRecheckMs: number;
  onChange(): void;
  onError(err: KubeError): void;
}

type WatchOutcome = 'expired' | 'closed' | 'closed-early';

const nameOf = (raw: unknown): string | undefined => {
  const n = (raw as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof n === 'string' ? n : undefined;
};
const versionOf = (raw: unknown): string | undefined => {
  const v = (raw as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
  return typeof v === 'string' && v ? v : undefined;
};
const statusCodeOf = (err: unknown): number | undefined => {
  const e = err as { statusCode?: unknown; code?: unknown } | null;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return typeof e?.code === 'number' ? e.code : undefined;
};

export class ResourceWatch<T> {
  readonly items = new Map<string, T>();
  /** The optional resource is not served by this cluster. */
  absent = false;
  /** The first list attempt finished (successfully or not). */
  synced = false;
  /** The last error, cleared by the next success. */
  problem: KubeError | undefined;
  resourceVersion: string | undefined;
  /** Counts, for tests and diagnostics. */
  readonly stats = { lists: 0, watches: 0, expired: 0, errors: 0 };

  private disposed = false;
  private current: WatchHandle | undefined;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(private readonly o: ResourceWatchOptions<T>) {}

  start(): void {
    // The loop catches everything itself; this guard only keeps a bug from becoming an unhandled rejection.
    this.loop().catch((err) => this.o.onError(toKubeError(err, this.o.session.scope(`watching ${this.o.label}`))));
  }

  dispose(): void {
    this.disposed = true;
    this.current?.abort();
    if (this.sleeping) { clearTimeout(this.sleeping.timer); this.sleeping.wake(); }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => { this.sleeping = undefined; resolve(); };
      this.sleeping = { timer: setTimeout(wake, ms), wake };
    });
  }

  private fail(err: unknown, what: string): void {
    this.problem = toKubeError(err, this.o.session.scope(what));
    this.stats.errors++;
    this.o.onError(this.problem);
    this.o.onChange();
  }

  private async loop(): Promise<void> {
    while (!this.disposed) {
      if (this.resourceVersion === undefined) {
        try {
          await this.relist();
        } catch (err) {
          this.synced = true;
          if (!this.disposed) this.fail(err, `listing ${this.o.label}`);
          await this.sleep(this.o.backoff.next());
          continue;
        }
        if (this.absent) {
          await this.sleep(this.o.absentRecheckMs);
          continue;
        }
      }
      if (this.disposed) return;
      try {
        const outcome = await this.watchOnce(this.resourceVersion!);
        if (outcome === 'expired') {
          this.stats.expired++;
          this.resourceVersion = undefined;
        } else if (outcome === 'closed-early') {
          await this.sleep(this.o.backoff.next());
        }
      } catch (err) {
        if (this.disposed) return;
        this.fail(err, `watching ${this.o.label}`);
        await this.sleep(this.o.backoff.next());
      }
    }
  }

  private async relist(): Promise<void> {
    this.stats.lists++;
    let result: ListResult;
    try {
      result = await this.o.list();
    } catch (err) {
      if (this.o.optional && err instanceof KubeError && err.kind === 'not-found') {
        this.items.clear();
        this.absent = true;
        this.synced = true;
        this.problem = undefined;
        this.resourceVersion = undefined;
        this.o.onChange();
        return;
      }
      throw err;
    }
    if (this.disposed) return;
    this.absent = false;
    this.items.clear();
    for (const raw of result.items) {
      const name = nameOf(raw);
      const model = name ? this.o.convert(raw) : null;
      if (name && model) this.items.set(name, model);
    }
    this.synced = true;
    if (!result.resourceVersion) {
      // A list without a version cannot be watched from: "0" would replay from whatever point the server's
      // cache holds, older than this list. Keep what was listed and list again after the backoff.
      this.resourceVersion = undefined;
      this.o.onChange();
      throw new KubeError('api', `the ${this.o.label} list carried no resourceVersion to watch from`);
    }
    this.resourceVersion = result.resourceVersion;
    this.problem = undefined;
    this.o.backoff.reset();
    this.o.onChange();
  }

  private apply(type: string, raw: unknown): void {
    const name = nameOf(raw);
    const version = versionOf(raw);
    if (version) this.resourceVersion = version;
    if (type === 'BOOKMARK' || !name) return;
    const model = type === 'DELETED' ? null : this.o.convert(raw);
    const had = this.items.has(name);
    if (model) this.items.set(name, model);
    else this.items.delete(name);
    if (model || had) this.o.onChange();
  }

  private watchOnce(fromVersion: string): Promise<WatchOutcome> {
    this.stats.watches++;
    const started = Date.now();
    const windowMs = this.o.watchWindowSeconds * 1000;
    let events = 0;
    let expired = false;
    let streamError: unknown;
    let idle: NodeJS.Timeout | undefined;
    return new Promise<WatchOutcome>((resolve, reject) => {
      let handle: WatchHandle | undefined = undefined;
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => handle?.abort(), windowMs + this.o.idleGraceMs);
      };
      handle = this.o.session.watch(this.o.path, {
        ...this.o.query,
        resourceVersion: fromVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: this.o.watchWindowSeconds,
      }, {
        onConnected: () => {
          // Connected is not yet healthy: a server that accepts and then only sends ERROR events must keep
          // the backoff growing, so the backoff is reset by the first real event, not by the connection.
          if (this.problem) { this.problem = undefined; this.o.onChange(); }
        },
        onEvent: (type, object) => {
          events++;
          armIdle();
          if (type !== 'ERROR') this.o.backoff.reset();
          if (type === 'ERROR') {
            // The API server reports an expired resourceVersion as an ERROR event carrying Status code 410.
            if (statusCodeOf(object) === 410) expired = true;
            else streamError ??= Object.assign(new Error(String((object as { message?: unknown })?.message ?? 'watch error')), { statusCode: statusCodeOf(object) });
            handle?.abort();
            return;
          }
          this.apply(type, object);
        },
      });
      this.current = handle;
      armIdle();
      handle.done.then((err) => {
        clearTimeout(idle);
        this.current = undefined;
        if (expired || statusCodeOf(err) === 410) return resolve('expired');
        if (streamError) return reject(streamError);
        const aborted = (err as { name?: unknown } | null)?.name === 'AbortError';
        if (err && !aborted && !this.disposed) return reject(err);
        if (events === 0 && Date.now() - started < 1000) return resolve('closed-early');
        if (!err) this.o.backoff.reset(); // the server held the stream for its window and closed it cleanly
        resolve('closed');
      });
    });
  }
}
