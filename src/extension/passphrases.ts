// Passphrases of encrypted client keys live in VS Code's SecretStorage, keyed by the key file's path; they are
// asked for once, never written to settings or logs.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { ConnectionProfile } from '../core/etcd/profile';
import { isEncryptedKey } from '../core/etcd/tls';

const secretKey = (file: string) => `etcdOps.keyPassphrase:${file}`;

function encrypted(file: string | undefined): file is string {
  try { return Boolean(file) && isEncryptedKey(fs.readFileSync(file!)); } catch { return false; }
}

/** Fills in keyPassphrase for profiles whose key is encrypted, asking once if the secret store has none. */
export async function withPassphrases(profiles: ConnectionProfile[], secrets: vscode.SecretStorage): Promise<ConnectionProfile[]> {
  const out: ConnectionProfile[] = [];
  for (const p of profiles) {
    const keyFile = p.tls?.keyFile;
    if (!encrypted(keyFile)) { out.push(p); continue; }
    let passphrase = await secrets.get(secretKey(keyFile));
    if (!passphrase) {
      passphrase = await vscode.window.showInputBox({ title: `Passphrase for ${keyFile}`, password: true, ignoreFocusOut: true,
        prompt: `The client key of "${p.name}" is encrypted. The passphrase is kept in VS Code's secret storage.` });
      if (passphrase) await secrets.store(secretKey(keyFile), passphrase);
    }
    out.push({ ...p, tls: { ...p.tls, keyPassphrase: passphrase } });
  }
  return out;
}

export async function forgetPassphrase(secrets: vscode.SecretStorage, keyFile: string): Promise<void> {
  await secrets.delete(secretKey(keyFile));
}
