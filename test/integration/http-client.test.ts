// The shared HTTP client against loopback servers: a body cut off mid-way (the connection
// dropped or reset while it is read) is retried within the run exactly like a 5xx, and
// fails as retryable once the retries are spent.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { RetryableHttpError } from '../../functions/core/errors.ts';
import { startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { listenOnLoopback } from '../helpers/listen.ts';
import { rejectionOf } from '../helpers/rejection.ts';

const BODY = `${'{"name":"cut","vers":"1.0.0","deps":[],"cksum":"00","features":{},"yanked":false}\n'.repeat(400)}`;

let index: IndexServer;
let resetting: Server;
let resetUrl: string;
let resets = 0;

beforeAll(async () => {
  index = await startIndexServer(
    { 'cu/t-/cut-once': BODY, 'cu/t-/cut-always': BODY, 'fa/il/fail-once': BODY, 'fa/il/fail-always': BODY },
    {
      answers: {
        'cu/t-/cut-once': [{ kind: 'truncate' }, { kind: 'serve' }],
        'cu/t-/cut-always': [{ kind: 'truncate' }],
        'fa/il/fail-once': [{ kind: 'status', status: 502 }, { kind: 'serve' }],
        'fa/il/fail-always': [{ kind: 'status', status: 502 }],
      },
    },
  );
  // The first answer is reset (TCP RST) after part of its body; the next one is whole.
  resetting = createServer((req, res) => {
    const body = Buffer.from(BODY);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.byteLength) });
    if (resets++ === 0) res.write(body.subarray(0, 1000), () => res.socket?.resetAndDestroy());
    else res.end(body);
  });
  resetUrl = `${await listenOnLoopback(resetting)}/reset`;
});
afterAll(async () => {
  await index.close();
  resetting.closeAllConnections();
  await new Promise((resolve) => resetting.close(resolve));
});

const client = () => new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 5000, retries: 2, baseDelayMs: 5 });
const requestsFor = (path: string) => index.requests.filter((r) => r.path === path).length;

describe('HttpClient and a body cut off mid-way', () => {
  it('retries a body the server cut off once, and returns the whole body from the retry', async () => {
    const http = client();
    const response = await http.request(`${index.url}cu/t-/cut-once`);
    expect(response.status).toBe(200);
    expect(new TextDecoder().decode(response.body)).toBe(BODY);
    expect(http.stats).toEqual({ requests: 2, retries: 1, bytes: Buffer.byteLength(BODY) });
    expect(requestsFor('cu/t-/cut-once')).toBe(2);
  });

  it('retries a cut-off body as often as a 5xx, then fails as retryable, naming the URL', async () => {
    const cut = client();
    const error = await rejectionOf(cut.request(`${index.url}cu/t-/cut-always`));
    const failing = client();
    await rejectionOf(failing.request(`${index.url}fa/il/fail-always`));
    expect(error).toBeInstanceOf(RetryableHttpError);
    expect((error as RetryableHttpError).status).toBeNull();
    expect((error as Error).message).toBe(`${index.url}cu/t-/cut-always: terminated (other side closed)`);
    expect(cut.stats).toEqual({ requests: 3, retries: 2, bytes: 0 });
    expect(failing.stats).toEqual(cut.stats);
    expect(requestsFor('cu/t-/cut-always')).toBe(requestsFor('fa/il/fail-always'));
  });

  it('retries a 5xx once and returns the body, as it does a cut-off body', async () => {
    const http = client();
    expect((await http.request(`${index.url}fa/il/fail-once`)).body.byteLength).toBe(Buffer.byteLength(BODY));
    expect(http.stats).toEqual({ requests: 2, retries: 1, bytes: Buffer.byteLength(BODY) });
  });

  it('retries a body whose connection was reset while it was read', async () => {
    const http = client();
    const response = await http.request(resetUrl);
    expect(response.body.byteLength).toBe(Buffer.byteLength(BODY));
    expect(http.stats).toEqual({ requests: 2, retries: 1, bytes: Buffer.byteLength(BODY) });
    expect(resets).toBe(2);
  });
});
