// `etcd-ops` as installed (dist/cli.js): a few lines that load the CLI bundle (dist/cli-main.js, from
// src/cli.ts) through V8's code cache, so a run does not compile it again.
import * as path from 'node:path';
import { requireWithCodeCache } from './core/code-cache';

requireWithCodeCache(path.join(__dirname, 'cli-main.js'), { asMain: true });
