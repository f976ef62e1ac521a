// S3SiteSync against s3rver (test/helpers/s3-server.ts): the first sync uploads every file
// with its Content-Type and Cache-Control, later syncs upload only what changed, stale
// objects are deleted after every upload, listings and deletions past 1000 objects page.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3SiteSync, SiteSyncError } from '../../functions/adapters/s3-site-sync.ts';
import { startS3Server, type S3Server } from '../helpers/s3-server.ts';

const ATOM_FEED = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>cratewatch</title><id>urn:cratewatch</id><updated>2025-06-01T12:00:00Z</updated></feed>
`;
const SITEMAP = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://example.com/</loc></url></urlset>
`;
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

/** A site as Astro builds it (directory format), one file of each type it emits; key → [content, Content-Type, Cache-Control]. */
const SITE: Record<string, [string | Uint8Array, string, string]> = {
  'index.html': ['<!doctype html><link rel="stylesheet" href="/_astro/index.B2xK9sQe.css"><h1>cratewatch</h1>', 'text/html; charset=utf-8', 'public, max-age=60, must-revalidate'],
  'repos/ripgrep/index.html': ['<!doctype html><h1>ripgrep</h1>', 'text/html; charset=utf-8', 'public, max-age=60, must-revalidate'],
  'repos/ripgrep/latest.json': ['{"schemaVersion":3}', 'application/json; charset=utf-8', 'public, max-age=60, must-revalidate'],
  'badges/ripgrep.svg': ['<svg xmlns="http://www.w3.org/2000/svg" width="90" height="20"/>', 'image/svg+xml; charset=utf-8', 'public, max-age=60, must-revalidate'],
  'badges/ripgrep.json': ['{"schemaVersion":1,"label":"cratewatch","message":"clean"}', 'application/json; charset=utf-8', 'public, max-age=60, must-revalidate'],
  'feed.xml': [ATOM_FEED, 'application/atom+xml; charset=utf-8', 'public, max-age=60, must-revalidate'],
  'sitemap.xml': [SITEMAP, 'application/xml; charset=utf-8', 'public, max-age=60, must-revalidate'],
  'robots.txt': ['User-agent: *\nAllow: /\n', 'text/plain; charset=utf-8', 'public, max-age=60, must-revalidate'],
  'site.webmanifest': ['{"name":"cratewatch"}', 'application/manifest+json; charset=utf-8', 'public, max-age=60, must-revalidate'],
  'favicon.ico': [new Uint8Array([0, 0, 1, 0, 1, 0]), 'image/x-icon', 'public, max-age=60, must-revalidate'],
  'icon.png': [PNG, 'image/png', 'public, max-age=60, must-revalidate'],
  '_astro/index.B2xK9sQe.css': ['h1{color:#333}', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
  '_astro/page.D3fLq0aZ.js': ['console.log("page")', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
  '_astro/client.Cq1w2e3r.mjs': ['export const x = 1;', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
  '_astro/page.D3fLq0aZ.js.map': ['{"version":3,"mappings":""}', 'application/json; charset=utf-8', 'public, max-age=31536000, immutable'],
  '_astro/inter.Bx7y8z9A.woff2': [new Uint8Array([0x77, 0x4f, 0x46, 0x32, 0, 1]), 'font/woff2', 'public, max-age=31536000, immutable'],
};
const KEYS = Object.keys(SITE).sort();

let s3: S3Server;
let client: S3Client;
let dir: string;
let site: string;
let bucket: string;
let buckets = 0;

beforeAll(async () => {
  s3 = await startS3Server();
  // The SDK's own retries, as in Lambda. They matter here too: s3rver answers a DeleteObjects
  // whose keys share a folder with a 500 (it removes emptied folders in parallel and trips
  // over its own removals) after deleting them all, so the retry then succeeds.
  client = s3.client();
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-site-sync-'));
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  bucket = `site-${++buckets}`;
  await s3.createBucket(bucket);
  site = join(dir, bucket);
  await writeSite(site, Object.fromEntries(Object.entries(SITE).map(([key, [content]]) => [key, content])));
  s3.requests.length = 0;
});

async function writeSite(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [key, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, key)), { recursive: true });
    await writeFile(join(root, key), content);
  }
}

async function head(key: string): Promise<{ contentType?: string; cacheControl?: string } | 'missing'> {
  try {
    const answer = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { contentType: answer.ContentType, cacheControl: answer.CacheControl };
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFound') return 'missing';
    throw error;
  }
}

/** The object keys of the PUT requests the sync sent, in order. */
function putKeys(): string[] {
  return s3.requests.filter((r) => r.method === 'PUT' && r.bucket === bucket).map((r) => r.key);
}

describe('S3SiteSync', () => {
  it('uploads every file on the first sync with its Content-Type and Cache-Control', async () => {
    const result = await new S3SiteSync({ client, bucket }).sync(site);
    expect(result).toEqual({ uploaded: KEYS, deleted: [], unchanged: 0 });
    for (const [key, [, contentType, cacheControl]] of Object.entries(SITE)) {
      expect({ key, ...(await head(key) as object) }).toEqual({ key, contentType, cacheControl });
    }
    const page = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'repos/ripgrep/index.html' }));
    expect(await page.Body!.transformToString()).toBe(SITE['repos/ripgrep/index.html']![0]);
  });

  it('uploads nothing when nothing changed since the last sync', async () => {
    const sync = new S3SiteSync({ client, bucket });
    await sync.sync(site);
    s3.requests.length = 0;
    expect(await sync.sync(site)).toEqual({ uploaded: [], deleted: [], unchanged: KEYS.length });
    expect(s3.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('uploads only the file whose content changed', async () => {
    const sync = new S3SiteSync({ client, bucket });
    await sync.sync(site);
    await writeFile(join(site, 'badges/ripgrep.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="95" height="20"/>');
    s3.requests.length = 0;
    expect(await sync.sync(site)).toEqual({ uploaded: ['badges/ripgrep.svg'], deleted: [], unchanged: KEYS.length - 1 });
    expect(putKeys()).toEqual(['badges/ripgrep.svg']);
  });

  it('deletes the objects whose files are gone, after every upload', async () => {
    const sync = new S3SiteSync({ client, bucket });
    await sync.sync(site);
    await rm(join(site, 'repos/ripgrep'), { recursive: true });
    await rm(join(site, '_astro/index.B2xK9sQe.css'));
    await writeSite(site, { '_astro/index.Zz9Yy8Xx.css': 'h1{color:#000}', 'index.html': '<!doctype html><link rel="stylesheet" href="/_astro/index.Zz9Yy8Xx.css">' });
    s3.requests.length = 0;

    const result = await sync.sync(site);
    expect(result).toEqual({ uploaded: ['_astro/index.Zz9Yy8Xx.css', 'index.html'], deleted: ['_astro/index.B2xK9sQe.css', 'repos/ripgrep/index.html', 'repos/ripgrep/latest.json'], unchanged: KEYS.length - 4 });
    expect(await head('repos/ripgrep/index.html')).toBe('missing');
    expect(await head('_astro/index.B2xK9sQe.css')).toBe('missing');
    expect(await head('_astro/index.Zz9Yy8Xx.css')).toEqual({ contentType: 'text/css; charset=utf-8', cacheControl: 'public, max-age=31536000, immutable' });
    const order = s3.requests.map((r) => (r.method === 'POST' && r.query.has('delete') ? 'delete' : r.method === 'PUT' ? r.key : null)).filter((step) => step !== null);
    expect([...new Set(order)]).toEqual(['_astro/index.Zz9Yy8Xx.css', 'index.html', 'delete']);
  });

  it('uploads the files pages link to first, then new pages, then changed pages', async () => {
    const sync = new S3SiteSync({ client, bucket });
    await sync.sync(site);
    await writeSite(site, {
      'index.html': '<!doctype html><a href="/repos/serde/">serde</a>',
      'repos/serde/index.html': '<!doctype html><img src="/badges/serde.svg">',
      'badges/serde.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
      'feed.xml': ATOM_FEED.replace('2025-06-01', '2025-06-02'),
    });
    s3.requests.length = 0;
    await sync.sync(site);
    const puts = putKeys();
    expect(puts.slice(0, 1)).toEqual(['badges/serde.svg']);
    expect(puts.slice(1, 2)).toEqual(['repos/serde/index.html']);
    expect(puts.slice(2).sort()).toEqual(['feed.xml', 'index.html']);
  });

  it('pages through listings and deletes in batches of 1000 when the bucket holds more than 1000 objects', async () => {
    const many = Object.fromEntries(Array.from({ length: 1150 }, (_, i) => [`repos/r${String(i).padStart(4, '0')}/index.html`, `<!doctype html><h1>r${i}</h1>`]));
    await writeSite(site, many);
    const sync = new S3SiteSync({ client, bucket, concurrency: 16 });
    const first = await sync.sync(site);
    expect(first.uploaded).toHaveLength(1150 + KEYS.length);

    s3.requests.length = 0;
    expect(await sync.sync(site)).toEqual({ uploaded: [], deleted: [], unchanged: 1150 + KEYS.length });
    const listings = s3.requests.filter((r) => r.method === 'GET' && r.key === '');
    expect(listings.map((r) => r.query.has('continuation-token'))).toEqual([false, true]);

    await rm(join(site, 'repos'), { recursive: true });
    s3.requests.length = 0;
    const pruned = await sync.sync(site);
    expect(pruned.deleted).toHaveLength(1150 + 2);
    expect(pruned.uploaded).toEqual([]);
    expect(s3.requests.filter((r) => r.method === 'POST' && r.query.has('delete') && r.status === 200)).toHaveLength(2);
    expect(await head('repos/r1149/index.html')).toBe('missing');
    expect(await head('repos/r0000/index.html')).toBe('missing');
  }, 120_000);

  it('deletes nothing and names the file when an upload fails', async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'old/index.html', Body: 'stale', ContentType: 'text/html' }));
    s3.failNext(1, { method: 'PUT', keyPattern: 'feed.xml', status: 503 });
    // One attempt: the injected fault must reach the sync, not be retried away.
    const error = await new S3SiteSync({ client: s3.client({ maxAttempts: 1 }), bucket }).sync(site).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SiteSyncError);
    expect((error as SiteSyncError).key).toBe('feed.xml');
    expect((error as SiteSyncError).message).toMatch(new RegExp(`^cannot upload feed\\.xml to s3://${bucket}: `));
    expect(await head('old/index.html')).toEqual({ contentType: 'text/html', cacheControl: undefined });
    expect(s3.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('refuses to sync an empty folder, which would delete the published site', async () => {
    await new S3SiteSync({ client, bucket }).sync(site);
    const empty = join(dir, `${bucket}-empty`);
    await mkdir(empty);
    await expect(new S3SiteSync({ client, bucket }).sync(empty)).rejects.toThrow(`${empty} holds no files: refusing to sync it to s3://${bucket}`);
    expect(await head('index.html')).not.toBe('missing');
  });
});
