// A TCP relay in front of a real kube-apiserver for the network faults a server cannot be asked to make: drop
// every open connection (an API server restart, a load balancer failing over), hold new connections without
// answering (a stalled server), and freeze open streams (a half-open connection that goes silent). TLS passes
// through untouched: the client still verifies the real server and authenticates to it.
import * as net from 'node:net';

export class KubeFaultProxy {
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket | null }>();
  private holding = false;
  private frozen = false;
  private readonly held: net.Socket[] = [];

  private constructor(private readonly server: net.Server, readonly port: number, private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  static async start(target: { host: string; port: number }): Promise<KubeFaultProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new KubeFaultProxy(server, (server.address() as net.AddressInfo).port, target);
    server.on('connection', (socket) => proxy.accept(socket));
    return proxy;
  }

  /** Connections opened so far, for tests that count reconnects. */
  connections = 0;

  private accept(client: net.Socket): void {
    this.connections++;
    client.on('error', () => {});
    if (this.holding) { this.held.push(client); return; }
    this.relay(client);
  }

  private relay(client: net.Socket): void {
    if (client.destroyed) return;
    const pair: { client: net.Socket; upstream: net.Socket | null } = { client, upstream: null };
    this.pairs.add(pair);
    const upstream = net.connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on('error', () => client.destroy());
    const close = () => { this.pairs.delete(pair); client.destroy(); upstream.destroy(); };
    client.on('close', close);
    upstream.on('close', close);
    // A frozen relay keeps the sockets open but passes nothing on, in either direction.
    client.on('data', (d) => { if (!this.frozen) upstream.write(d); });
    upstream.on('data', (d) => { if (!this.frozen) client.write(d); });
  }

  /** Closes every open connection, as a restarting API server does. */
  dropAll(): void {
    for (const p of [...this.pairs]) { p.client.destroy(); p.upstream?.destroy(); }
    this.pairs.clear();
  }

  /** Accepts new connections but answers none of them until the returned release() is called. */
  hold(): () => void {
    this.holding = true;
    return () => {
      this.holding = false;
      for (const s of this.held.splice(0)) this.relay(s);
    };
  }

  /** Open connections stay open and go silent until the returned thaw() is called. */
  freeze(): () => void {
    this.frozen = true;
    return () => { this.frozen = false; };
  }

  async stop(): Promise<void> {
    this.dropAll();
    for (const s of this.held.splice(0)) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
