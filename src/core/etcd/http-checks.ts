// etcd's HTTP health endpoints, /livez and /readyz (3.5.11+), on a member's client URL with the profile's
// TLS (verification on) and a hard deadline. Older servers have no such path: that reads as "absent".
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { HttpCheck } from '../cluster-model';
import { explainConnectionError, TlsMaterial } from './tls';

/** Bodies are a few lines ("ok", or "[-]linearizable_read failed: ..."); anything longer is cut. */
const MAX_BODY = 4096;

export function httpCheck(endpoint: URL, path: '/livez' | '/readyz', tls: TlsMaterial | undefined, agent: https.Agent | undefined, timeoutMs: number): Promise<HttpCheck> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (c: HttpCheck) => { if (!settled) { settled = true; clearTimeout(timer); resolve(c); } };
    const secure = endpoint.protocol === 'https:' || Boolean(tls);
    const options: https.RequestOptions = {
      host: endpoint.hostname.replace(/^\[|\]$/g, ''), port: endpoint.port || (secure ? 443 : 80), path, method: 'GET',
      ...(secure ? {
        ca: tls?.rootCertificate, cert: tls?.certChain, key: tls?.privateKey, agent,
        servername: isIP(endpoint.hostname.replace(/^\[|\]$/g, '')) ? undefined : endpoint.hostname,
      } : {}),
    };
    const req = (secure ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => { if (size < MAX_BODY) { chunks.push(c); size += c.length; } });
      res.on('end', () => {
        const body = Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
        if (res.statusCode === 200) done({ state: 'ok', detail: null });
        else if (res.statusCode === 404) done({ state: 'absent', detail: null });
        else {
          const failing = body.split('\n').filter((l) => l.startsWith('[-]')).map((l) => l.slice(3).trim());
          done({ state: 'failed', detail: failing.length ? failing.join('; ') : `HTTP ${res.statusCode}: ${body.split('\n')[0].trim()}` });
        }
      });
      res.on('error', (err) => done({ state: 'error', detail: err.message }));
    });
    const timer = setTimeout(() => { req.destroy(); done({ state: 'error', detail: `no answer within ${timeoutMs} ms` }); }, timeoutMs);
    req.on('error', (err) => done({ state: 'error', detail: explainConnectionError(err.message) }));
    req.end();
  });
}
