// Reads PEM files (certificates, private keys) with a size cap, turning every failure into words rather
// than exceptions: a certificate report lists what it could not read as findings.
import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { CappedReadError, readFileCapped } from '../read-capped';

/** Cert and key files are a few kB; a chain bundle a few tens. */
export const MAX_PEM_BYTES = 1024 * 1024;

export class CertFileError extends Error {
  constructor(readonly code: 'unreadable' | 'too-large' | 'not-pem' | 'bad-certificate' | 'bad-key' | 'encrypted-key',
    readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'CertFileError';
  }
}

export function readBoundedFile(file: string): Buffer {
  try {
    return readFileCapped(file, MAX_PEM_BYTES, 'certificate or key file');
  } catch (err) {
    if (!(err instanceof CappedReadError)) throw err;
    throw new CertFileError(err.code === 'too-large' ? 'too-large' : 'unreadable', file, err.message.slice(file.length + 2));
  }
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export interface PemBlock { label: string; text: string }

export function pemBlocks(bytes: Buffer): PemBlock[] {
  const text = bytes.toString('latin1');
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    out.push({ label: m[1], text: m[0] });
    if (out.length >= 64) break;
  }
  return out;
}

/** Every certificate in a PEM buffer. Throws CertFileError when there is none or one is malformed. */
export function parseCertificates(bytes: Buffer, file: string): X509Certificate[] {
  const blocks = pemBlocks(bytes).filter((b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
  if (!blocks.length) throw new CertFileError('not-pem', file, 'no PEM CERTIFICATE block');
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b.text);
    } catch (err) {
      throw new CertFileError('bad-certificate', file, `certificate ${i + 1} cannot be parsed (${(err as Error).message})`);
    }
  });
}

export function parsePrivateKey(bytes: Buffer, file: string): KeyObject {
  const block = pemBlocks(bytes).find((b) => /PRIVATE KEY$/.test(b.label));
  if (!block) throw new CertFileError('not-pem', file, 'no PEM PRIVATE KEY block');
  if (block.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(block.text)) {
    throw new CertFileError('encrypted-key', file, 'the key is encrypted (etcd cannot use an encrypted key either)');
  }
  try {
    return createPrivateKey(block.text);
  } catch (err) {
    throw new CertFileError('bad-key', file, `private key cannot be parsed (${(err as Error).message})`);
  }
}
