// A real S3-compatible server on loopback for tests: s3rver in a child process, behind a small
// proxy that adds what s3rver lacks (conditional writes, as S3 answers them), injects S3-style
// faults on demand and records every request.
import { S3Client, CreateBucketCommand, type S3ClientConfig } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { listenOnLoopback } from './listen.ts';

/** One request as the proxy saw it. */
export interface RecordedS3Request {
  method: string;
  bucket: string;
  /** The object key, decoded; '' for requests on the bucket (ListObjectsV2, CreateBucket). */
  key: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The status answered, once known: s3rver's, or the proxy's own (412, 404, injected faults). */
  status?: number;
}

/** Which requests a fault hits, and how it answers. */
export interface S3Fault {
  /** `PUT`, `GET`, …; any method when absent. */
  method?: string;
  /** A string is the exact key, a RegExp is tested on it; any key when absent. */
  keyPattern?: string | RegExp;
  /** 500 by default. */
  status?: number;
  /** The S3 error code: `InternalError` for 500, `ServiceUnavailable` for 503, `ConditionalRequestConflict` for 409 by default. */
  code?: string;
}

export interface S3Server {
  /** `http://127.0.0.1:<port>`, the proxy in front of s3rver. */
  endpoint: string;
  /** Every request so far, in order of arrival. */
  requests: RecordedS3Request[];
  createBucket(name: string): Promise<void>;
  /** A client for this server (path style, static S3RVER credentials); `overrides` such as `{ maxAttempts: 2 }` win. */
  client(overrides?: Partial<S3ClientConfig>): S3Client;
  /** The next `count` requests that match `fault` are answered with an S3 XML error instead of reaching s3rver. */
  failNext(count: number, fault?: S3Fault): void;
  close(): Promise<void>;
}

const DEFAULT_CODES: Record<number, string> = { 500: 'InternalError', 503: 'ServiceUnavailable', 409: 'ConditionalRequestConflict' };
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'expect', 'upgrade', 'proxy-connection']);
const CHILD_ENTRY = join(import.meta.dirname, 's3rver-process.ts');

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Answers as S3 does when it refuses a request: an XML `<Error>` with a code and a request id. */
function sendS3Error(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  const requestId = randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase();
  const fields = Object.entries(extra)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${fields}<RequestId>${requestId}</RequestId><HostId>s3-test-proxy</HostId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': requestId }).end(body);
}

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/** `If-Match: "a", "b"` or `*` against the current ETag (weak prefixes ignored). */
function etagListMatches(header: string, etag: string): boolean {
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => bare(tag) === '*' || bare(tag) === bare(etag));
}

/** The refusal S3 gives a conditional PUT, or undefined when the write may go ahead. */
function refusalOf(headers: IncomingHttpHeaders, key: string, current: string | undefined): { status: number; code: string; message: string; extra: Record<string, string> } | undefined {
  const ifMatch = headers['if-match'];
  const ifNoneMatch = headers['if-none-match'];
  if (ifMatch !== undefined) {
    // S3 answers If-Match on an absent key with 404 NoSuchKey, not 412.
    if (current === undefined) return { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.', extra: { Key: key } };
    if (!etagListMatches(ifMatch, current)) return { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold', extra: { Condition: 'If-Match' } };
  }
  if (ifNoneMatch !== undefined && current !== undefined && etagListMatches(ifNoneMatch, current)) {
    return { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold', extra: { Condition: 'If-None-Match' } };
  }
  return undefined;
}

/** Starts s3rver as a child process and waits for the port it printed. */
async function startS3rver(directory: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', CHILD_ENTRY, directory], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) return;
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      resolve((JSON.parse(line) as { port: number }).port);
    };
    const onExit = (code: number | null, signal: string | null) => reject(new Error(`s3rver exited (code ${code}, signal ${signal}) before listening:\n${stderr}${stdout}`));
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
    child.once('error', reject);
  });
  return { child, port };
}

/** Starts s3rver in a temp folder and the proxy on 127.0.0.1:0 in front of it. */
export async function startS3Server(): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'cratewatch-s3rver-'));
  let child: ChildProcess | undefined;
  // Should the test process end without close(): the child also exits when its stdin closes.
  const killOnExit = () => {
    child?.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  let upstreamPort: number;
  try {
    ({ child, port: upstreamPort } = await startS3rver(directory));
  } catch (error) {
    process.off('exit', killOnExit);
    killOnExit();
    throw error;
  }

  const requests: RecordedS3Request[] = [];
  const faults: (S3Fault & { remaining: number })[] = [];
  const clients: S3Client[] = [];
  const upstreamAgent = new Agent({ keepAlive: true });
  /** Per bucket/key, the tail of the requests waiting their turn. */
  const turns = new Map<string, Promise<void>>();

  function inTurn(id: string, task: () => Promise<void>): Promise<void> {
    const run = (turns.get(id) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => undefined);
    turns.set(id, tail);
    void tail.then(() => {
      if (turns.get(id) === tail) turns.delete(id);
    });
    return run;
  }

  /** The current ETag of the object at `path` (as in the request line), or undefined when there is none. */
  function headEtag(path: string): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const head = request({ host: '127.0.0.1', port: upstreamPort, method: 'HEAD', path, agent: upstreamAgent }, (res) => {
        res.resume();
        if (res.statusCode === 404) resolve(undefined);
        else if (res.statusCode === 200 && typeof res.headers.etag === 'string') resolve(res.headers.etag);
        else reject(new Error(`HEAD ${path} on s3rver answered ${res.statusCode}`));
      });
      head.on('error', reject);
      head.end();
    });
  }

  /** Sends the request on to s3rver and streams the answer back. */
  function forward(req: IncomingMessage, res: ServerResponse, record: RecordedS3Request): Promise<void> {
    return new Promise<void>((resolve) => {
      const upstream = request(
        { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: withoutHopByHop(req.headers), agent: upstreamAgent },
        (answer) => {
          record.status = answer.statusCode;
          res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
          pipeline(answer, res).then(resolve, () => resolve());
        },
      );
      upstream.on('error', (error) => {
        if (res.headersSent) res.destroy(error);
        else sendS3Error(res, 502, 'BadGateway', `s3rver did not answer: ${error.message}`);
        resolve();
      });
      pipeline(req, upstream).catch(() => undefined);
    });
  }

  function takeFault(record: RecordedS3Request): S3Fault | undefined {
    const index = faults.findIndex(
      (f) =>
        (f.method === undefined || f.method.toUpperCase() === record.method) &&
        (f.keyPattern === undefined || (typeof f.keyPattern === 'string' ? f.keyPattern === record.key : f.keyPattern.test(record.key))),
    );
    if (index < 0) return undefined;
    const fault = faults[index]!;
    if (--fault.remaining === 0) faults.splice(index, 1);
    return fault;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const record: RecordedS3Request = {
      method: req.method ?? 'GET',
      bucket: decodeURIComponent(bucket),
      key: decodeURIComponent(rest.join('/')),
      query: url.searchParams,
      headers: req.headers,
    };
    requests.push(record);

    const fault = takeFault(record);
    if (fault !== undefined) {
      req.resume();
      await finished(req).catch(() => undefined);
      const status = fault.status ?? 500;
      record.status = status;
      sendS3Error(res, status, fault.code ?? DEFAULT_CODES[status] ?? 'InternalError', 'Injected by the test proxy.');
      return;
    }

    const conditional = record.method === 'PUT' && record.key !== '' && (req.headers['if-match'] !== undefined || req.headers['if-none-match'] !== undefined);
    if (!conditional) {
      // S3 replaces an object whole: a read never sees half of a write. s3rver writes the file
      // in place, so every request on one key takes its turn (a GET during a PUT read torn JSON).
      if (record.key !== '') await inTurn(`${record.bucket}/${record.key}`, () => forward(req, res, record));
      else await forward(req, res, record);
      return;
    }
    // S3 decides a conditional write atomically: one at a time per key, from check to stored object.
    await inTurn(`${record.bucket}/${record.key}`, async () => {
      const refusal = refusalOf(req.headers, record.key, await headEtag(url.pathname));
      if (refusal === undefined) {
        await forward(req, res, record);
        return;
      }
      req.resume();
      await finished(req).catch(() => undefined);
      record.status = refusal.status;
      sendS3Error(res, refusal.status, refusal.code, refusal.message, refusal.extra);
    });
  }

  const proxy = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendS3Error(res, 500, 'InternalError', `test proxy failed: ${String(error)}`);
      else res.destroy();
    });
  });
  const endpoint = await listenOnLoopback(proxy);

  function client(overrides: Partial<S3ClientConfig> = {}): S3Client {
    const made = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      // Otherwise the SDK sends aws-chunked bodies with trailing checksums, which s3rver stores verbatim.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...overrides,
    });
    clients.push(made);
    return made;
  }

  return {
    endpoint,
    requests,
    client,
    async createBucket(name) {
      await client().send(new CreateBucketCommand({ Bucket: name }));
    },
    failNext(count, fault = {}) {
      if (!Number.isInteger(count) || count < 1) throw new Error(`failNext: count must be a positive integer, got ${count}`);
      faults.push({ ...fault, remaining: count });
    },
    async close() {
      for (const made of clients) made.destroy();
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      });
      upstreamAgent.destroy();
      const running = child!;
      if (running.exitCode === null && running.signalCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.stdin!.end();
        // s3rver closes at once; should it hang, it is killed rather than left behind.
        const kill = setTimeout(() => running.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(kill);
      }
      process.off('exit', killOnExit);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
