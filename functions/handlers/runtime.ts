// What every handler shares for the life of a Lambda container: the environment, the AWS
// clients, the logger, and the configuration and tokens read once per cold start. The
// handlers' composition root; nothing here scans.
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { S3ObjectStore } from '../adapters/s3-object-store.ts';
import { SnsAlerter } from '../adapters/sns-alerter.ts';
import { ObjectCompiledAdvisoryDbCache } from '../app/compiled-advisory-db.ts';
import { loadConfig, type Config } from '../app/config.ts';
import { ObjectHttpCache } from '../app/object-http-cache.ts';
import { ResultStore } from '../app/result-store.ts';
import { TOOL_VERSION } from '../app/version.ts';
import type { FinishOutcome, RunStatus, ScanEvent, ScanSettings } from '../app/scan-pipeline.ts';
import type { CompiledAdvisoryDbCache } from '../core/advisory-db-snapshot.ts';
import { errorMessage } from '../core/errors.ts';
import { buildScanSources, type ScanSources } from '../wiring/scan-sources.ts';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cratewatch' });

/** A missing or malformed environment variable: the deployment is wrong, not the input. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new EnvironmentError(`environment variable ${name} is not set; the stack sets it (see README, "Lambda handlers")`);
  return value;
}

const s3 = new S3Client({ forcePathStyle: process.env.CRATEWATCH_S3_FORCE_PATH_STYLE === '1' });

/** The results store and its cache, one per invocation (the cache gathers what the invocation fetched). */
export function openStore(now: () => Date = () => new Date()): { store: ResultStore; cache: ObjectHttpCache; compiled: ObjectCompiledAdvisoryDbCache } {
  const objects = new S3ObjectStore({ client: s3, bucket: requiredEnv('CRATEWATCH_BUCKET'), prefix: process.env.CRATEWATCH_PREFIX ?? '' });
  // prepare compiles the database once; every scan-repo of the run restores it instead of unpacking and parsing the archive.
  const compiled = new ObjectCompiledAdvisoryDbCache(objects, { producer: TOOL_VERSION, warn: (message) => logger.warn('compiled advisory database not kept', { message }) });
  return { store: new ResultStore(objects), cache: new ObjectHttpCache(objects, now), compiled };
}

export function s3Client(): S3Client {
  return s3;
}

/** `s3://bucket/key` or `ssm:/parameter/name` → the configuration's text. */
async function readConfigText(ref: string): Promise<string> {
  const s3Ref = /^s3:\/\/([^/]+)\/(.+)$/.exec(ref);
  if (s3Ref) {
    const response = await s3.send(new GetObjectCommand({ Bucket: s3Ref[1], Key: s3Ref[2] }));
    return (await response.Body?.transformToString('utf-8')) ?? '';
  }
  if (ref.startsWith('ssm:')) {
    const response = await new SSMClient({}).send(new GetParameterCommand({ Name: ref.slice(4), WithDecryption: true }));
    return response.Parameter?.Value ?? '';
  }
  throw new EnvironmentError(`CRATEWATCH_CONFIG is ${JSON.stringify(ref)}; expected s3://bucket/key or ssm:/parameter/name`);
}

/** The tokens secret: JSON `{"github": "…", "gitlab": "…"}`, or a plain string for GitHub. */
async function readTokens(secretId: string | undefined): Promise<{ GITHUB_TOKEN?: string; GITLAB_TOKEN?: string }> {
  if (!secretId) return {};
  const response = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretId }));
  const text = response.SecretString ?? '';
  if (!text.trimStart().startsWith('{')) return text.trim() === '' ? {} : { GITHUB_TOKEN: text.trim() };
  let doc: { github?: unknown; gitlab?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    // Never echo the text: it is a secret.
    throw new EnvironmentError(`secret ${secretId} is neither a token nor JSON like {"github": "…", "gitlab": "…"}`);
  }
  const tokens: { GITHUB_TOKEN?: string; GITLAB_TOKEN?: string } = {};
  if (typeof doc.github === 'string' && doc.github !== '') tokens.GITHUB_TOKEN = doc.github;
  if (typeof doc.gitlab === 'string' && doc.gitlab !== '') tokens.GITLAB_TOKEN = doc.gitlab;
  return tokens;
}

let configPromise: Promise<Config> | undefined;

/** The configuration with its tokens, read once per container; a failed read is tried again next time. */
export function loadRuntimeConfig(): Promise<Config> {
  configPromise ??= (async () => {
    const ref = requiredEnv('CRATEWATCH_CONFIG');
    const [text, tokens] = await Promise.all([readConfigText(ref), readTokens(process.env.CRATEWATCH_TOKEN_SECRET)]);
    return loadConfig(text, ref, tokens);
  })();
  configPromise.catch(() => {
    configPromise = undefined;
  });
  return configPromise;
}

export function scanSettings(config: Config, repositories = config.repositories): ScanSettings {
  return { repositories, configured: config.repositories, alerts: config.alerts, concurrency: config.concurrency, advisoryDbMaxAgeDays: config.sources.advisoryDbMaxAgeDays };
}

/** The scan's sources for Lambda: no local paths (there is no checkout), caches in the bucket. */
export function lambdaSources(config: Config, cache: ObjectHttpCache, options: { freshAfter?: string; preferCachedDb?: boolean; compiled?: CompiledAdvisoryDbCache } = {}): ScanSources {
  const sources = buildScanSources(config, { cache, offline: false, baseDir: '/var/task', warn: (message) => logger.warn('warning', { message }), ...options });
  delete sources.repoSources.path;
  return sources;
}

export function snsAlerter(config: Config): SnsAlerter {
  return new SnsAlerter({ client: new SNSClient({}), topicArn: requiredEnv('CRATEWATCH_TOPIC_ARN'), siteUrl: process.env.CRATEWATCH_SITE_URL ?? config.site.url, configFile: config.file });
}

/** Scan events as structured log lines: a static message and fields. */
export function logEvent(event: ScanEvent): void {
  switch (event.kind) {
    case 'database':
      logger.info('advisory database loaded', { revision: event.revision, advisories: event.advisoryCount, skipped: event.skipped });
      break;
    case 'index-refreshed':
      logger.info('index cache refreshed', { crates: event.crates });
      break;
    case 'repository-started':
      logger.info('repository scan started', { repo: event.name });
      break;
    case 'repository-done':
      logger.info('repository scanned', { repo: event.name, status: event.outcome.status, stored: event.outcome.stored, error: event.outcome.error, findings: event.result.counts.findings });
      break;
    case 'warning':
      logger.warn('scan warning', { message: event.message });
      break;
  }
}

/** Logs a failure with a static message, then hands it back to be rethrown (so Lambda / Step Functions retry). */
export function failed(message: string, error: unknown, fields: Record<string, unknown> = {}): Error {
  logger.error(message, { ...fields, error: errorMessage(error) });
  return error instanceof Error ? error : new Error(errorMessage(error));
}

/** What finish (and the whole-portfolio scan) answer: small, for Step Functions and `cratewatch invoke`. */
export interface FinishOutput {
  status: RunStatus;
  repositories: number;
  alertsDelivered: number;
  alertFailure: string | null;
}

/**
 * A finished run as the handler's answer, its problems logged. Throws when alerts could not
 * be delivered, so the step is retried (the ledger makes a retry send only what is still due).
 */
export function finishOutput(finished: FinishOutcome): FinishOutput {
  for (const problem of finished.problems) logger.warn('run problem', { problem });
  if (finished.alertFailure) throw new Error(finished.alertFailure);
  const output = { status: finished.status, repositories: finished.summary.repositories.length, alertsDelivered: finished.delivered.length, alertFailure: null };
  logger.info('scan finished', output);
  return output;
}
