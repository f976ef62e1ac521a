// Serves a built site from a folder on localhost: for `cratewatch report --serve` and the
// browser tests. Directory URLs serve their index.html; nothing outside the folder is served.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.xml': 'application/atom+xml; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticSiteServer {
  url: string;
  close(): Promise<void>;
}

/** Starts serving `dir` on 127.0.0.1 (`port` 0: any free port). */
export async function serveStaticSite(dir: string, port = 0): Promise<StaticSiteServer> {
  const root = resolve(dir);
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path = normalize(join(root, decodeURIComponent(url.pathname)));
    if (path !== root && !path.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      let info = await stat(path);
      if (info.isDirectory()) {
        if (!url.pathname.endsWith('/')) {
          res.writeHead(301, { location: `${url.pathname}/` }).end();
          return;
        }
        path = join(path, 'index.html');
        info = await stat(path);
      }
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': info.size });
      createReadStream(path).pipe(res);
    } catch {
      // The site's own 404 page when it has one, as CloudFront answers in the deployment.
      const page = await readFile(join(root, '404.html')).catch(() => null);
      if (page) res.writeHead(404, { 'content-type': TYPES['.html'] ?? 'text/html', 'content-length': page.byteLength }).end(page);
      else res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    }
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}/`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
