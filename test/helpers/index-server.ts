// A sparse registry index on loopback for tests and benchmarks: files held in memory,
// served with ETag and Last-Modified (304 when they match), every request recorded, and
// per-path misbehaviour on demand (error statuses, Retry-After, delays, cut-off bodies).
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './listen.ts';

/** How the server answers one request. Every kind takes an extra `delayMs` before answering. */
export type IndexAnswer =
  /** The file, with Last-Modified and (unless `etag: false`) an ETag, or 304 when the request's validators match; 404 when there is no file. */
  | { kind: 'serve'; etag?: boolean; delayMs?: number }
  /** A bare status with an empty body: 404, 410, 451, 500, or 429 with `headers: { 'retry-after': '1' }`. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; delayMs?: number }
  /** 200 with the file's full Content-Length, but only its first half is sent before the connection is destroyed. */
  | { kind: 'truncate'; delayMs?: number };

export interface IndexServerOptions {
  /**
   * Per path (as in `files`), the answers to its requests in turn; the last one repeats.
   * `[{ kind: 'status', status: 500 }, { kind: 'serve' }]` is "500 once, then the file".
   * Paths without answers are served. Read at each request, so a test may change it.
   */
  answers?: Record<string, IndexAnswer[]>;
  /** Added before every answer, like a network round trip. */
  latencyMs?: number;
  /** The Last-Modified of every file; a fixed date in 2026 by default. */
  lastModified?: Date;
}

export interface RecordedRequest {
  method: string;
  /** Without the leading slash or the query, as in `files`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** `performance.now()` when the request arrived. */
  at: number;
  /** The connection that carried it, numbered from 1 in the order they opened: keep-alive shows as reuse. */
  connection: number;
}

export interface IndexServer {
  /** The index root, with a trailing slash. */
  url: string;
  /** Every request so far, in order of arrival. */
  requests: RecordedRequest[];
  /** Requests being answered right now. */
  readonly inFlight: number;
  /** The most requests answered at once since the start or the last `reset()`. */
  readonly maxInFlight: number;
  /** Connections opened so far: with keep-alive, far fewer than requests. */
  readonly connections: number;
  /** Bytes read and written on every connection so far, HTTP headers included. */
  wireBytes(): { read: number; written: number };
  /** Forgets the recorded requests and the in-flight maximum (not where each path is in its answers). */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_LAST_MODIFIED = new Date('2026-03-01T12:00:00Z');

/** The ETag the server gives a body: a quoted hash, so equal bodies get equal tags. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
}

/**
 * Starts the server on 127.0.0.1, on a free port. `files` maps index paths (`se/rd/serde`,
 * `3/s/syn`, `config.json`) to their text; it is read at each request, so a test may
 * change a file between runs.
 */
export async function startIndexServer(files: Record<string, string>, options: IndexServerOptions = {}): Promise<IndexServer> {
  const requests: RecordedRequest[] = [];
  const answered = new Map<string, number>();
  const connections = new Map<Socket, number>();
  const timers = new Set<NodeJS.Timeout>();
  const lastModified = options.lastModified ?? DEFAULT_LAST_MODIFIED;
  let inFlight = 0;
  let maxInFlight = 0;

  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!.replace(/^\//, ''));
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers, at: performance.now(), connection: connections.get(req.socket) ?? 0 });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);

    const count = answered.get(path) ?? 0;
    answered.set(path, count + 1);
    const list = options.answers?.[path];
    const answer: IndexAnswer = list && list.length > 0 ? list[Math.min(count, list.length - 1)]! : { kind: 'serve' };

    const delay = (options.latencyMs ?? 0) + (answer.delayMs ?? 0);
    const respond = () => {
      if (res.destroyed) return; // the client gave up (a timeout) while we waited
      if (answer.kind === 'status') res.writeHead(answer.status, answer.headers).end();
      else serve(req.headers, res, files[path], answer, lastModified);
    };
    if (delay <= 0) {
      respond();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      respond();
    }, delay);
    timers.add(timer);
  });
  // Defaults to 5 s; keep idle connections at least as long as a test waits between requests.
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => connections.set(socket, connections.size + 1));

  const origin = await listenOnLoopback(server);

  return {
    url: `${origin}/`,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get connections() {
      return connections.size;
    },
    wireBytes() {
      let read = 0;
      let written = 0;
      for (const socket of connections.keys()) {
        read += socket.bytesRead;
        written += socket.bytesWritten;
      }
      return { read, written };
    },
    reset() {
      requests.length = 0;
      maxInFlight = inFlight;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function serve(headers: IncomingHttpHeaders, res: ServerResponse, text: string | undefined, answer: IndexAnswer, lastModified: Date): void {
  if (text === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const etag = answer.kind === 'serve' && answer.etag === false ? undefined : etagOf(text);
  const validators: Record<string, string> = { 'last-modified': lastModified.toUTCString() };
  if (etag !== undefined) validators.etag = etag;
  if (answer.kind === 'serve' && notModified(headers, etag, lastModified)) {
    res.writeHead(304, validators).end();
    return;
  }
  const body = Buffer.from(text);
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.byteLength), ...validators });
  if (answer.kind === 'truncate') {
    // Flush the first half, then drop the connection mid-body.
    res.write(body.subarray(0, Math.floor(body.byteLength / 2)), () => res.socket?.destroy());
    return;
  }
  res.end(body);
}

/** RFC 9110 §13.2.2: If-None-Match decides when present; otherwise If-Modified-Since. */
function notModified(headers: IncomingHttpHeaders, etag: string | undefined, lastModified: Date): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (etag === undefined) return false;
    const tags = ifNoneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    return tags.includes('*') || tags.includes(etag);
  }
  const since = Date.parse(headers['if-modified-since'] ?? '');
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}
