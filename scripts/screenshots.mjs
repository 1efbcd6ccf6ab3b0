// Refreshes the README's pictures on purpose: the e2e suite, with its screenshots written to media/screenshots
// instead of the ignored test-results/screenshots that `npm test` uses.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'test.mjs'), 'e2e'], {
  cwd: root, stdio: 'inherit', env: { ...process.env, ETCD_OPS_SCREENSHOT_DIR: path.join(root, 'media', 'screenshots') },
});
process.exit(r.status ?? 1);
