// The floor for a Node CLI on this machine: the same network work `etcd-ops status` does (per member one TLS
// HTTP/2 connection with Status twice and a read of key "health", /livez and /readyz over HTTPS; one member
// list), in plain Node with no gRPC or protobuf library. Answers are read, not decoded.
// Usage: node bench/floor-probe.js ENDPOINTS_CSV CA CERT KEY
const fs = require('node:fs');
const http2 = require('node:http2');
const https = require('node:https');

const [endpoints, caFile, certFile, keyFile] = process.argv.slice(2);
const tls = { ca: fs.readFileSync(caFile), cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
const frame = (msg) => Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
const RANGE_HEALTH = Buffer.from([0x0a, 6, ...Buffer.from('health')]);

function unary(session, path, msg) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    let n = 0;
    req.on('data', (c) => { n += c.length; });
    req.on('end', () => resolve(n));
    req.on('error', reject);
    req.end(frame(msg));
  });
}

function get(url, path, agent) {
  return new Promise((resolve, reject) => {
    https.get({ host: url.hostname, port: url.port, path, agent, ...tls }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
}

(async () => {
  const urls = endpoints.split(',').map((e) => new URL(e));
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const sessions = urls.map((u) => http2.connect(u.origin, tls));
  await Promise.all(urls.map(async (u, i) => {
    await unary(sessions[i], '/etcdserverpb.Maintenance/Status', Buffer.alloc(0));
    await Promise.all([
      unary(sessions[i], '/etcdserverpb.Maintenance/Status', Buffer.alloc(0)),
      unary(sessions[i], '/etcdserverpb.KV/Range', RANGE_HEALTH),
      get(u, '/livez', agent).then(() => get(u, '/readyz', agent)),
    ]);
  }));
  await unary(sessions[0], '/etcdserverpb.Cluster/MemberList', Buffer.alloc(0));
  for (const s of sessions) s.close();
  agent.destroy();
})().catch((err) => { console.error(err.message); process.exit(1); });
