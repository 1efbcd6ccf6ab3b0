// The extension's settings through VS Code: read with the workspace's trust (settings-reader.ts has the rules),
// and profiles saved to user settings. Secrets never live here: passphrases go to SecretStorage.
import * as vscode from 'vscode';
import { ProfileSetting, SECTION, Settings, settingsFrom } from './settings-reader';

export { RESTRICTED_SETTINGS, SECTION } from './settings-reader';
export type { Settings } from './settings-reader';

export function readSettings(): Settings {
  return settingsFrom(vscode.workspace.getConfiguration(SECTION), vscode.workspace.isTrusted);
}

/** Adds a profile to the user's settings (endpoints and file paths only: no secrets). */
export async function saveProfile(profile: ProfileSetting): Promise<void> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const existing = c.inspect<ProfileSetting[]>('connection.profiles')?.globalValue ?? [];
  await c.update('connection.profiles', [...existing.filter((p) => p.name !== profile.name), profile], vscode.ConfigurationTarget.Global);
}
