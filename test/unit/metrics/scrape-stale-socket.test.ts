// A member that stops between two scrapes leaves a kept-alive socket in the sampler's pool. The next request on
// it is reset; that must be reported as what it is (after one fresh connection: refused), never as a TLS or
// protocol failure. A local HTTP server plays the member: it drops the socket on the second request and stops.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { MetricsSampler } from '../../../src/core/metrics';

test('a reset on a reused keep-alive socket is retried fresh and reads as connection refused', async () => {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (requests === 1) { res.setHeader('content-type', 'text/plain'); res.end('etcd_server_has_leader 1\n'); return; }
    server.close();
    req.socket.destroy();
  });
  server.keepAliveTimeout = 60000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sampler = new MetricsSampler({ timeoutMs: 3000 });
  try {
    const target = [{ id: 'a', name: 'm1', url }];
    assert.equal(await sampler.tick(target), null);
    const w = (await sampler.tick(target))!;
    assert.equal(requests, 2, 'the second scrape went over the kept-alive socket');
    assert.match(w.members[0].error!, /connection refused/);
  } finally {
    sampler.close();
    server.closeAllConnections();
  }
});
