// Passphrases of encrypted client keys live in VS Code's SecretStorage, keyed by the key file's path; never in
// settings or logs. One is kept only once it has opened its key: a stored one that no longer opens it (a wrong
// answer kept by an older version, a key re-issued with a new passphrase) is forgotten and asked for again.
// VS Code is passed in (passphrase-prompt.ts asks), so these rules are tested without it.
import { createPrivateKey } from 'node:crypto';
import type * as vscode from 'vscode';
import { readBoundedFile } from '../core/certs/pem';
import { ConnectionProfile } from '../core/etcd/profile';
import { isEncryptedKey } from '../core/etcd/tls';

const secretKey = (file: string) => `etcdOps.keyPassphrase:${file}`;
/** SecretStorage cannot list its keys: the key files with a stored passphrase are remembered (paths only). */
const KNOWN_KEY_FILES = 'etcdOps.passphraseKeyFiles';
/** Wrong answers in a row before the profile goes on without a passphrase (its refresh then says so). */
export const MAX_ATTEMPTS = 3;

export type AskReason = 'missing' | 'stored-wrong' | 'wrong';
export interface PassphraseRequest { keyFile: string; profile: string; reason: AskReason; attempt: number }
/** Asks the operator; undefined when they cancel. */
export type AskPassphrase = (request: PassphraseRequest) => Thenable<string | undefined>;

type Secrets = Pick<vscode.SecretStorage, 'get' | 'store' | 'delete'>;
type State = Pick<vscode.Memento, 'get' | 'update'>;

function encryptedKey(file: string | undefined): Buffer | null {
  if (!file) return null;
  try {
    const pem = readBoundedFile(file);
    return isEncryptedKey(pem) ? pem : null;
  } catch {
    return null; // unreadable: the refresh reports it
  }
}

export function opensKey(pem: Buffer, passphrase: string): boolean {
  try {
    createPrivateKey({ key: pem, passphrase });
    return true;
  } catch {
    return false;
  }
}

export class Passphrases {
  constructor(private readonly secrets: Secrets, private readonly state: State, private readonly ask: AskPassphrase) {}

  /** Fills in keyPassphrase for profiles whose key is encrypted: the stored one if it opens the key, else asks. */
  async fill(profiles: ConnectionProfile[]): Promise<ConnectionProfile[]> {
    const resolved = new Map<string, string | undefined>();
    const out: ConnectionProfile[] = [];
    for (const p of profiles) {
      const keyFile = p.tls?.keyFile;
      const pem = encryptedKey(keyFile);
      if (!keyFile || !pem) { out.push(p); continue; }
      if (!resolved.has(keyFile)) resolved.set(keyFile, await this.resolve(keyFile, pem, p.name));
      out.push({ ...p, tls: { ...p.tls, keyPassphrase: resolved.get(keyFile) } });
    }
    return out;
  }

  private async resolve(keyFile: string, pem: Buffer, profile: string): Promise<string | undefined> {
    const stored = await this.secrets.get(secretKey(keyFile));
    if (stored && opensKey(pem, stored)) return stored;
    let reason: AskReason = 'missing';
    if (stored) { await this.forget(keyFile); reason = 'stored-wrong'; }
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const answer = await this.ask({ keyFile, profile, reason, attempt });
      if (!answer) return undefined;
      if (opensKey(pem, answer)) {
        await this.secrets.store(secretKey(keyFile), answer);
        await this.remember(keyFile);
        return answer;
      }
      reason = 'wrong';
    }
    return undefined;
  }

  /** Forgets every stored passphrase (those remembered, and those of the key files given); returns how many key files. */
  async forgetAll(keyFiles: string[] = []): Promise<number> {
    const all = [...new Set([...this.known(), ...keyFiles])];
    for (const f of all) await this.secrets.delete(secretKey(f));
    await this.state.update(KNOWN_KEY_FILES, []);
    return all.length;
  }

  private async forget(keyFile: string): Promise<void> {
    await this.secrets.delete(secretKey(keyFile));
    await this.state.update(KNOWN_KEY_FILES, this.known().filter((f) => f !== keyFile));
  }

  private known(): string[] {
    const list = this.state.get<unknown>(KNOWN_KEY_FILES);
    return Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string') : [];
  }

  private async remember(keyFile: string): Promise<void> {
    const list = this.known();
    if (!list.includes(keyFile)) await this.state.update(KNOWN_KEY_FILES, [...list, keyFile]);
  }
}
