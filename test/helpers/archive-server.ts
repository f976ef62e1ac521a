// A loopback server that serves the advisory archive like GitHub's codeload does, with an
// ETag and 304 answers to If-None-Match, recording every request.
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback } from './listen.ts';

export interface ArchiveServer {
  url: string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  /** Replace what is served (a new revision of the database). */
  serve(body: Uint8Array): void;
  /** Answer the next N requests with this status instead. */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

export async function startArchiveServer(initial: Uint8Array): Promise<ArchiveServer> {
  let body = initial;
  let failures: { status: number; left: number } | undefined;
  const requests: ArchiveServer['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    if (failures && failures.left > 0) {
      failures.left--;
      res.writeHead(failures.status).end('failure');
      return;
    }
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': body.byteLength, etag }).end(body);
  });
  const origin = await listenOnLoopback(server);
  return {
    url: `${origin}/rustsec/advisory-db/archive/refs/heads/main.tar.gz`,
    requests,
    serve: (next) => {
      body = next;
    },
    failNext: (status, times = 1) => {
      failures = { status, left: times };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
