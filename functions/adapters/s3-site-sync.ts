// Publishes a built report site (a local folder) to the S3 bucket that serves it: uploads
// only the files that changed, with the Content-Type and Cache-Control a browser and a CDN
// need, then deletes the objects whose files are gone.
//
// "Changed" compares the MD5 of the local file with the ETag that ListObjectsV2 returns for
// every object: one request per 1000 objects decides the whole sync, where a digest kept in
// object metadata would need a HeadObject per object. The ETag is the MD5 of the body for
// objects written by one PutObject with SSE-S3 (or no) encryption, which is how this class
// writes; under SSE-KMS or after a multipart upload it is not, and such an object is simply
// uploaded again (never wrongly skipped). A change of headers alone (a new Cache-Control
// rule) reaches only the files whose bytes change, or every file once the bucket is emptied.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { errorMessage } from '../core/errors.ts';

/** What one sync did: keys uploaded and deleted (sorted), and how many files were already current. */
export interface SiteSyncResult {
  uploaded: string[];
  deleted: string[];
  unchanged: number;
}

export interface S3SiteSyncOptions {
  client: S3Client;
  bucket: string;
  /** Uploads (and file reads) at once; 8 by default. */
  concurrency?: number;
}

/** A site that could not be published; `key` names the object that failed, when one did. */
export class SiteSyncError extends Error {
  override name = 'SiteSyncError';
  readonly key: string | null;
  constructor(message: string, key: string | null, options?: { cause?: unknown }) {
    super(message, options);
    this.key = key;
  }
}

const TEXT = '; charset=utf-8';

/** Every file type the Astro site emits, and a few it may come to (fonts, images). */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': `text/html${TEXT}`,
  '.css': `text/css${TEXT}`,
  '.js': `text/javascript${TEXT}`,
  '.mjs': `text/javascript${TEXT}`,
  '.json': `application/json${TEXT}`,
  '.map': `application/json${TEXT}`,
  '.webmanifest': `application/manifest+json${TEXT}`,
  '.svg': `image/svg+xml${TEXT}`,
  '.xml': `application/xml${TEXT}`,
  '.txt': `text/plain${TEXT}`,
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

const ATOM = `application/atom+xml${TEXT}`;
const ATOM_NAMESPACE = 'http://www.w3.org/2005/Atom';

/** Astro names these after their content hash: a changed asset gets a new name, so the old one may be cached forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Pages, JSON, feeds and badges change with every scan: caches keep them a minute, then ask again. */
const SHORT = 'public, max-age=60, must-revalidate';

/** The Content-Type of a site file; an XML file whose root is an Atom feed is `application/atom+xml`. */
function contentTypeOf(key: string, body: Uint8Array): string {
  const extension = extname(key).toLowerCase();
  if (extension === '.xml') {
    const head = new TextDecoder().decode(body.subarray(0, 1024));
    if (/<feed[\s>]/.test(head) && head.includes(ATOM_NAMESPACE)) return ATOM;
  }
  return CONTENT_TYPES[extension] ?? 'application/octet-stream';
}

function cacheControlOf(key: string): string {
  return key.startsWith('_astro/') ? IMMUTABLE : SHORT;
}

/** Documents link to other files; they go up after what they may link to. */
function isDocument(key: string): boolean {
  return /\.(html|xml)$/i.test(key);
}

interface LocalFile {
  key: string;
  path: string;
}

interface PendingUpload extends LocalFile {
  body: Buffer;
  md5: Buffer;
  isNew: boolean;
}

/**
 * Mirrors a folder into a bucket. Order matters to a reader who loads pages during the sync:
 * first the files pages link to (assets, JSON, badges), then new pages, then changed pages
 * (which may link to the new ones), and deletions only at the end, so no page ever links to
 * an object that is not there yet or not there any more.
 *
 * @example
 *   const sync = new S3SiteSync({ client: new S3Client({}), bucket: 'cratewatch-site' });
 *   const { uploaded, deleted } = await sync.sync('/tmp/site');
 */
export class S3SiteSync {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly concurrency: number;

  constructor(options: S3SiteSyncOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.concurrency = options.concurrency ?? 8;
  }

  async sync(localDir: string): Promise<SiteSyncResult> {
    const files = await listLocalFiles(localDir);
    // An empty build would otherwise delete the whole site.
    if (files.length === 0) throw new SiteSyncError(`${localDir} holds no files: refusing to sync it to s3://${this.bucket}, which would delete the published site (build the site first)`, null);
    const remote = await this.listObjects();
    const limit = pLimit(this.concurrency);

    const pending: PendingUpload[] = [];
    let unchanged = 0;
    await settleAll(
      files.map((file) =>
        limit(async () => {
          let body: Buffer;
          try {
            body = await readFile(file.path);
          } catch (error) {
            throw new SiteSyncError(`cannot read ${file.path}: ${errorMessage(error)}`, file.key, { cause: error });
          }
          const md5 = createHash('md5').update(body).digest();
          const etag = remote.get(file.key);
          if (etag === md5.toString('hex')) unchanged++;
          else pending.push({ ...file, body, md5, isNew: etag === undefined });
        }),
      ),
    );

    const phases = [pending.filter((p) => !isDocument(p.key)), pending.filter((p) => isDocument(p.key) && p.isNew), pending.filter((p) => isDocument(p.key) && !p.isNew)];
    for (const phase of phases) await settleAll(phase.map((upload) => limit(() => this.upload(upload))));

    const local = new Set(files.map((f) => f.key));
    const stale = [...remote.keys()].filter((key) => !local.has(key)).sort();
    await this.deleteObjects(stale);
    return { uploaded: pending.map((p) => p.key).sort(), deleted: stale, unchanged };
  }

  /** Every object of the bucket: key → ETag without its quotes. */
  private async listObjects(): Promise<Map<string, string>> {
    const objects = new Map<string, string>();
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, ContinuationToken: token }));
      } catch (error) {
        throw new SiteSyncError(`cannot list s3://${this.bucket}: ${errorMessage(error)} (check the bucket name and the role's s3:ListBucket permission)`, null, { cause: error });
      }
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) objects.set(object.Key, (object.ETag ?? '').replaceAll('"', ''));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return objects;
  }

  private async upload(file: PendingUpload): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: file.key,
          Body: file.body,
          // S3 refuses the object if the bytes it received do not match.
          ContentMD5: file.md5.toString('base64'),
          ContentType: contentTypeOf(file.key, file.body),
          CacheControl: cacheControlOf(file.key),
        }),
      );
    } catch (error) {
      throw new SiteSyncError(`cannot upload ${file.key} to s3://${this.bucket}: ${errorMessage(error)}`, file.key, { cause: error });
    }
  }

  /** DeleteObjects takes up to 1000 keys a request and answers per key. */
  private async deleteObjects(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000);
      let answer;
      try {
        answer = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      } catch (error) {
        throw new SiteSyncError(`cannot delete ${batch.length} stale objects from s3://${this.bucket}: ${errorMessage(error)}`, batch[0] ?? null, { cause: error });
      }
      const failed = answer.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new SiteSyncError(`cannot delete ${failed.length} stale objects from s3://${this.bucket}, first ${first.Key}: ${first.Code} ${first.Message ?? ''}`.trimEnd(), first.Key ?? null);
      }
    }
  }
}

/** Every regular file under `dir`, keyed by its `/`-separated relative path. */
async function listLocalFiles(dir: string): Promise<LocalFile[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new SiteSyncError(`cannot read the site folder ${dir}: ${errorMessage(error)}`, null, { cause: error });
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { key: relative(dir, path).split(sep).join('/'), path };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** Waits for every task, so none is still running when the first failure is thrown. */
async function settleAll(tasks: readonly Promise<void>[]): Promise<void> {
  const outcomes = await Promise.allSettled(tasks);
  const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    const first = failures[0];
    throw new SiteSyncError(`${failures.length} site files failed, first: ${errorMessage(first)}`, first instanceof SiteSyncError ? first.key : null, { cause: first });
  }
}
