// Reads TLS files for an etcd connection and turns the failures operators meet into plain words.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import { TlsFiles } from './profile';

export interface TlsMaterial {
  rootCertificate?: Buffer;
  certChain?: Buffer;
  privateKey?: Buffer;
}

export class TlsConfigError extends Error {}

function readPem(kind: string, file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new TlsConfigError(`cannot read ${kind} file ${file}: ${why}`);
  }
  if (!data.includes('-----BEGIN')) throw new TlsConfigError(`${kind} file ${file} is not PEM`);
  return data;
}

export function loadTls(tls: TlsFiles | undefined): TlsMaterial | undefined {
  if (!tls || (!tls.caFile && !tls.certFile && !tls.keyFile)) return undefined;
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) {
    throw new TlsConfigError('a client certificate and its key go together: give both --cert and --key');
  }
  const certChain = readPem('certificate', tls.certFile);
  if (certChain && tls.certFile) checkClientCertValidity(tls.certFile, certChain);
  return {
    rootCertificate: readPem('CA', tls.caFile),
    certChain,
    privateKey: decryptKey(tls.keyFile, readPem('key', tls.keyFile), tls.keyPassphrase),
  };
}

export function isEncryptedKey(pem: Buffer): boolean {
  return pem.includes('ENCRYPTED');
}

/** gRPC takes only plain keys: an encrypted one is decrypted in memory with its passphrase. */
function decryptKey(file: string | undefined, pem: Buffer | undefined, passphrase: string | undefined): Buffer | undefined {
  if (!pem || !isEncryptedKey(pem)) return pem;
  if (!passphrase) throw new TlsConfigError(`key file ${file} is encrypted: its passphrase is needed`);
  try {
    return Buffer.from(createPrivateKey({ key: pem, passphrase }).export({ type: 'pkcs8', format: 'pem' }) as string);
  } catch {
    throw new TlsConfigError(`key file ${file}: wrong passphrase or unreadable key`);
  }
}

/** gRPC wraps the real cause ("Last error: ...") in transport noise; keep the cause only. */
export function grpcCause(message: string): string {
  const last = /Last error: (?:Error: )?([\s\S]*?)(?:\s*\(\d{4}-\d\d-\d\dT[^)]*\))?\.?\s*(?:Resolution note:.*)?$/.exec(message);
  const cause = (last ? last[1] : message).replace(/^\d+ [A-Z_]+: /, '');
  const sslReason = /SSL routines:[^:]*:([^:]+):/.exec(cause);
  return (sslReason ? sslReason[1] : cause).trim();
}

/** Expired or not-yet-valid client certificates are caught before dialing: the server would only say "bad certificate". */
export function checkClientCertValidity(certFile: string, pem: Buffer, now = Date.now()): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    throw new TlsConfigError(`certificate file ${certFile} cannot be parsed: ${(err as Error).message}`);
  }
  if (Date.parse(cert.validTo) < now) {
    throw new TlsConfigError(`client certificate ${certFile} expired on ${new Date(cert.validTo).toISOString()}: renew it (the server will refuse it)`);
  }
  if (Date.parse(cert.validFrom) > now) {
    throw new TlsConfigError(`client certificate ${certFile} is not valid before ${new Date(cert.validFrom).toISOString()} (check the clock)`);
  }
}

/** What the connection knew when it failed, so a message can say what to change. */
export interface ConnectionContext {
  /** A CA file was given (else Node's default roots were used). */
  caGiven: boolean;
  /** The endpoint's scheme as configured: "http:" or "https:". */
  scheme: string;
}

/**
 * Who a failure points at. client-config: we could not talk to the server because of our own settings (CA,
 * client certificate, scheme, TLS files, URL); unreachable: nothing answers there (refused, no answer in time);
 * server: the server answered and refused the request.
 */
export type FailureKind = 'client-config' | 'unreachable' | 'server';

const TLS_VERIFY = /self.signed|unable to (get|verify)|unknown ca|certificate verify failed|unable_to_verify|does not match certificate's altnames|hostname\/ip does not match|err_tls_cert_altname/;
const TLS_REFUSED = /bad certificate|certificate required|handshake failure|wrong version number|unknown protocol|alert/;
/** An https:// client against a plaintext port: OpenSSL reads an HTTP answer as a bad TLS record. */
const NOT_TLS = /wrong version number|packet length too long|unknown protocol|http request|socket disconnected before secure tls connection/;
const EXPIRED = /certificate has expired|certificate expired|ssl_r_sslv3_alert_certificate_expired|alert certificate expired/;

export function classifyConnectionError(raw: string, context?: ConnectionContext): FailureKind {
  const m = grpcCause(raw).toLowerCase();
  if (EXPIRED.test(m) || TLS_VERIFY.test(m) || NOT_TLS.test(m) || (TLS_REFUSED.test(m) && /ssl|tls|alert/.test(m))) return 'client-config';
  if (/econnrefused|connection refused|ehostunreach|enetunreach|enotfound|eai_again/.test(m)) return 'unreachable';
  if (/deadline exceeded|deadline_exceeded|timed out|no answer within/.test(raw.toLowerCase())) return 'unreachable';
  // A plaintext client against a TLS port: the server accepts the TCP connection, then drops it.
  if (context?.scheme === 'http:' && /failed to connect|econnreset|connection dropped|protocol error|socket hang up/.test(m)) return 'client-config';
  if (/econnreset|failed to connect|no connection established/.test(m)) return 'unreachable';
  return 'server';
}

/** Maps gRPC/TLS error text to what an operator should read, ending with the underlying cause. */
export function explainConnectionError(raw: string, context?: ConnectionContext): string {
  const message = grpcCause(raw);
  const m = message.toLowerCase();
  if (EXPIRED.test(m)) {
    return `TLS: a certificate has expired (the server rejected or presented an expired certificate): ${message}`;
  }
  if (TLS_VERIFY.test(m)) {
    return context && !context.caGiven
      ? `TLS: the server certificate does not verify against the system CAs (no --cacert given: give etcd's CA): ${message}`
      : `TLS: the server certificate does not verify against the given CA (wrong --cacert?): ${message}`;
  }
  if (NOT_TLS.test(m)) {
    return `TLS: the server does not speak TLS there (a plaintext endpoint? then use http://): ${message}`;
  }
  if (TLS_REFUSED.test(m) && /ssl|tls|alert/.test(m)) {
    return `TLS: the server refused our client certificate (wrong or missing --cert/--key?): ${message}`;
  }
  if (/econnrefused|connection refused/.test(m)) return `connection refused (etcd not listening there)`;
  if (/deadline exceeded|deadline_exceeded|timed out/.test(raw.toLowerCase())) return 'no answer within the deadline';
  if (context?.scheme === 'http:' && /failed to connect|econnreset|connection dropped|protocol error|socket hang up/.test(m)) {
    return `the server dropped a plaintext (http://) connection: it probably serves TLS, use https:// with --cacert, --cert and --key (${message})`;
  }
  return message;
}
