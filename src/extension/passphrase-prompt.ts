// The VS Code side of key passphrases: the password prompt, and "Forget Stored Passphrases".
import * as vscode from 'vscode';
import { plural } from '../core/format';
import { App } from './app';
import { AskPassphrase, Passphrases } from './passphrases';

const prompts: Record<Parameters<AskPassphrase>[0]['reason'], string> = {
  missing: 'is encrypted. The passphrase is kept in VS Code\'s secret storage once it opens the key.',
  'stored-wrong': 'is encrypted, and the stored passphrase no longer opens it: it was forgotten. Enter the current one.',
  wrong: 'is encrypted, and that passphrase does not open it. Try again.',
};

export const askPassphrase: AskPassphrase = ({ keyFile, profile, reason, attempt }) => vscode.window.showInputBox({
  title: `Passphrase for ${keyFile}${attempt > 1 ? ` (attempt ${attempt})` : ''}`, password: true, ignoreFocusOut: true,
  prompt: `The client key of "${profile}" ${prompts[reason]}`,
});

/** `reapply` re-reads the settings, so keys in use are asked for again and connections rebuilt. */
export function registerPassphraseCommands(app: App, passphrases: Passphrases, reapply: () => Promise<void>): void {
  app.context.subscriptions.push(vscode.commands.registerCommand('etcdOps.forgetPassphrases', async () => {
    const inUse = app.settings().profiles.map((p) => p.tls?.keyFile).filter((f): f is string => Boolean(f));
    const n = await passphrases.forgetAll(inUse);
    app.log.info(`Forgot the stored key passphrases (${plural(n, 'key file')} looked at).`);
    void vscode.window.showInformationMessage('Stored key passphrases forgotten. Keys in use are asked for again.');
    await reapply();
  }));
}
