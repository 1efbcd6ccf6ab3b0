// The HTML shell every webview panel uses: nonce-based CSP, only local scripts and styles, VS Code theme colours.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/**
 * `script` is a file in media/, or in `scriptDir` (relative to the extension, e.g. the bundles in dist/webview);
 * without one the page is static (CSP still allows no inline script).
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri,
  options: { title: string; script?: string; scriptDir?: string; styles: string[]; body?: string }): string {
  const nonce = randomBytes(16).toString('base64');
  const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', file));
  const script = options.script ? webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...(options.scriptDir ?? 'media').split('/'), options.script)) : null;
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${options.styles.map((s) => `<link rel="stylesheet" href="${media(s)}">`).join('\n')}
<title>${options.title}</title>
</head>
<body>
${options.body ?? '<main id="app" aria-live="polite"></main>'}
${script ? `<script nonce="${nonce}" src="${script}"></script>` : ''}
</body>
</html>`;
}
