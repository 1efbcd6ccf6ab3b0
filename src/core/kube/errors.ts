// Every failure on the Kubernetes side becomes one KubeError with a kind and a one-line message an operator
// can act on. Raw errors from node-fetch, TLS and @kubernetes/client-node are classified here, nowhere else.

export type KubeErrorKind =
  | 'kubeconfig-missing'
  | 'kubeconfig-invalid'
  | 'context-not-found'
  | 'context-invalid'
  | 'unreachable'
  | 'timeout'
  | 'tls'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'api';

/** Kinds that retrying cannot fix: the kubeconfig itself must change. */
const PERMANENT: ReadonlySet<KubeErrorKind> = new Set(['kubeconfig-missing', 'kubeconfig-invalid', 'context-not-found', 'context-invalid']);

export class KubeError extends Error {
  override readonly name = 'KubeError';
  constructor(readonly kind: KubeErrorKind, message: string, readonly status?: number) {
    super(message);
  }
  get permanent(): boolean {
    return PERMANENT.has(this.kind);
  }
}

/** What a request was doing, so the message names the server and the context. */
export interface RequestScope {
  context: string;
  server?: string;
  what?: string;
  timeoutMs?: number;
}

const TLS_CODES: Record<string, string> = {
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate is not signed by the CA in the kubeconfig',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed and not trusted by the kubeconfig',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate is not signed by the CA in the kubeconfig',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the server certificate is not signed by the CA in the kubeconfig',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  CERT_NOT_YET_VALID: 'the server certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not name this host',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS on this port',
  EPROTO: 'the TLS handshake failed',
};

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
};

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errno?: unknown; cause?: { code?: unknown } } | null;
  if (!e || typeof e !== 'object') return undefined;
  for (const c of [e.code, e.errno, e.cause?.code]) if (typeof c === 'string') return c;
  return undefined;
}

function httpStatus(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown } | null;
  if (!e || typeof e !== 'object') return undefined;
  if (typeof e.statusCode === 'number') return e.statusCode;
  // client-node's ApiException carries the HTTP status in `code` (a number, unlike Node's string codes).
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

/** The Kubernetes Status message in an ApiException body, if any. */
function statusMessage(err: unknown): string | undefined {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try { return statusMessage({ body: JSON.parse(body) }); } catch { return body.trim().split('\n')[0] || undefined; }
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return undefined;
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

/** Turns whatever a Kubernetes request threw into a KubeError with one clear line. */
export function toKubeError(err: unknown, scope: RequestScope): KubeError {
  if (err instanceof KubeError) return err;
  const at = `${scope.server ?? 'the Kubernetes API'} (context "${scope.context}")`;
  const what = scope.what ? `${scope.what}: ` : '';
  const name = (err as { name?: unknown } | null)?.name;
  const type = (err as { type?: unknown } | null)?.type;
  if (name === 'AbortError' || name === 'TimeoutError' || type === 'aborted' || type === 'request-timeout') {
    const limit = scope.timeoutMs ? ` within ${scope.timeoutMs} ms` : ' in time';
    return new KubeError('timeout', `${what}${at} did not answer${limit}`);
  }
  const code = errorCode(err);
  if (code && TLS_CODES[code]) return new KubeError('tls', `${what}TLS error with ${at}: ${TLS_CODES[code]} (${code})`);
  if (code && NETWORK_CODES[code]) return new KubeError('unreachable', `${what}cannot reach ${at}: ${NETWORK_CODES[code]}`);
  const status = httpStatus(err);
  if (status !== undefined) {
    const detail = statusMessage(err);
    const tail = detail ? `: ${firstLine(detail)}` : '';
    if (status === 401) return new KubeError('unauthorized', `${what}${at} rejected the kubeconfig credentials (401)${tail}`, status);
    if (status === 403) return new KubeError('forbidden', `${what}not allowed by ${at} (403)${tail}`, status);
    if (status === 404) return new KubeError('not-found', `${what}${at} has no such resource (404)${tail}`, status);
    return new KubeError('api', `${what}${at} answered HTTP ${status}${tail}`, status);
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/certificate|ssl|tls/i.test(message)) return new KubeError('tls', `${what}TLS error with ${at}: ${firstLine(message)}`);
  return new KubeError('unreachable', `${what}cannot talk to ${at}: ${firstLine(message) || 'unknown error'}`);
}
