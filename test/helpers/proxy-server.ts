// A forward proxy on loopback for tests: absolute-URI requests (`GET http://host/path`, how a
// client sends plain http through a proxy) are forwarded, CONNECT opens a tunnel (how https
// goes through one). Each is counted per target host, so a test can tell what went through it.
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { listenOnLoopback } from './listen.ts';

export interface ProxyServer {
  /** `http://127.0.0.1:<port>`, for HTTP_PROXY / HTTPS_PROXY. */
  url: string;
  /** Requests forwarded per target `host:port`. */
  forwarded: Map<string, number>;
  /** Tunnels opened per target `host:port`. */
  tunnels: Map<string, number>;
  /** Every request the proxy took: `GET http://…` or `CONNECT host:port`, in order. */
  log: string[];
  close(): Promise<void>;
}

const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** Starts the proxy on 127.0.0.1 on a free port. It forwards to any target; tests point it only at loopback. */
export async function startProxyServer(): Promise<ProxyServer> {
  const forwarded = new Map<string, number>();
  const tunnels = new Map<string, number>();
  const log: string[] = [];
  const sockets = new Set<Socket>();
  // Its own agent: a process that routed its global agent through this proxy must not loop back into it.
  const agent = new Agent({ keepAlive: false });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    log.push(`${req.method} ${req.url}`);
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      // An origin-form request ("/path"): the client did not treat us as a proxy.
      res.writeHead(400).end('a proxy takes absolute URIs');
      return;
    }
    if (target.protocol !== 'http:') {
      res.writeHead(400).end('only http:// targets are forwarded; https goes through CONNECT');
      return;
    }
    count(forwarded, `${target.hostname}:${target.port || '80'}`);
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = request({ agent, host: target.hostname, port: target.port || 80, method: req.method, path: `${target.pathname}${target.search}`, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502).end(`proxy: ${error.message}`);
      else res.destroy();
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    log.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    count(tunnels, req.url ?? '');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const url = await listenOnLoopback(server);
  return {
    url,
    forwarded,
    tunnels,
    log,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
