// The object store in an S3 bucket, under an optional key prefix. Conditional writes are S3's
// own (`If-None-Match: *`, `If-Match: <etag>`), so they hold between Lambdas; the etag is S3's ETag.
// The client comes from the caller (endpoint, region, credentials, retries): the SDK already
// retries 5xx and throttling, so a failure that reaches here is final.
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { errorMessage, PreconditionFailedError, StoreError } from '../core/errors.ts';
import type { ObjectStore, PutOptions, StoredObject } from '../core/ports.ts';

export interface S3ObjectStoreOptions {
  client: S3Client;
  bucket: string;
  /** Put before every key (`cratewatch/`); a missing trailing `/` is added. */
  prefix?: string;
}

interface AwsErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(error: unknown): number | undefined {
  return (error as AwsErrorShape | null)?.$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string {
  return (error as AwsErrorShape | null)?.name ?? 'Error';
}

/** Only these: a bare 404 may be NoSuchBucket or a wrong endpoint, which must not read as "absent". */
function isNoSuchKey(error: unknown): boolean {
  const name = nameOf(error);
  return name === 'NoSuchKey' || name === 'NotFound';
}

/**
 * A refused condition: 412 PreconditionFailed; 409 ConditionalRequestConflict when another
 * conditional write to the key raced this one; and, for `ifMatch`, 404 NoSuchKey (S3's answer
 * when there is no object to match). Every case means "read again".
 */
function isRefusedCondition(error: unknown, options: PutOptions): boolean {
  const name = nameOf(error);
  if (name === 'PreconditionFailed' || statusOf(error) === 412 || name === 'ConditionalRequestConflict') return true;
  return options.condition !== undefined && 'ifMatch' in options.condition && isNoSuchKey(error);
}

export class S3ObjectStore implements ObjectStore {
  readonly location: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: S3ObjectStoreOptions) {
    if (options.bucket === '') throw new Error('S3ObjectStore: the bucket name is empty; pass the name of an existing bucket');
    const prefix = options.prefix ?? '';
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.location = `s3://${this.#bucket}/${this.#prefix}`;
  }

  /** A StoreError naming the object, the operation and the AWS error. */
  #failure(operation: string, key: string, error: unknown): StoreError {
    const status = statusOf(error);
    const detail = `${nameOf(error)}${status === undefined ? '' : ` (HTTP ${status})`}: ${errorMessage(error)}`;
    return new StoreError(
      `s3://${this.#bucket}/${this.#prefix}${key}: ${operation} failed after the SDK's retries: ${detail}; check the bucket name, the credentials' permissions and the network`,
      key,
      { cause: error },
    );
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const response = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
      if (response.Body === undefined || response.ETag === undefined) throw new Error('the response has no body or no ETag');
      const body = await response.Body.transformToByteArray();
      return { body, etag: response.ETag };
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw this.#failure('GetObject', key, error);
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<string> {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    // An explicit length: the SDK cannot tell an empty body's and warns of a stream of unknown length.
    const input: PutObjectCommandInput = { Bucket: this.#bucket, Key: this.#prefix + key, Body: bytes, ContentLength: bytes.byteLength, ContentType: options.contentType };
    if (options.condition !== undefined) {
      if ('ifNoneMatch' in options.condition) input.IfNoneMatch = options.condition.ifNoneMatch;
      else input.IfMatch = options.condition.ifMatch;
    }
    let etag: string | undefined;
    try {
      etag = (await this.#client.send(new PutObjectCommand(input))).ETag;
    } catch (error) {
      if (isRefusedCondition(error, options)) throw new PreconditionFailedError(key, { cause: error });
      throw this.#failure('PutObject', key, error);
    }
    if (etag === undefined) throw this.#failure('PutObject', key, new Error('the response has no ETag'));
    return etag;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix + prefix, ContinuationToken: token }));
      } catch (error) {
        throw this.#failure('ListObjectsV2', prefix, error);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) keys.push(object.Key.slice(this.#prefix.length));
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
  }

  async delete(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
    } catch (error) {
      // S3 answers 204 for an absent key; some compatible servers say 404.
      if (isNoSuchKey(error)) return;
      throw this.#failure('DeleteObject', key, error);
    }
  }
}
