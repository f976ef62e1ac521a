// The sources a scan reads, built from the configuration: shared by the two composition
// roots (the `cratewatch` CLI and the Lambda handlers) so both scan exactly the same way.
import { isAbsolute, resolve } from 'node:path';
import { GithubRepoSource } from '../adapters/github-repo-source.ts';
import { GitlabRepoSource } from '../adapters/gitlab-repo-source.ts';
import { HttpClient } from '../adapters/http-client.ts';
import { LocalRepoSource } from '../adapters/local-repo-source.ts';
import { HttpAdvisoryDbSource, LocalAdvisoryDbSource } from '../adapters/rustsec-archive.ts';
import { SparseIndexSource } from '../adapters/sparse-index.ts';
import { UrlRepoSource } from '../adapters/url-repo-source.ts';
import type { Config } from '../app/config.ts';
import { USER_AGENT } from '../app/version.ts';
import type { AdvisorySource, HttpCache, IndexSource, RepoLocation, RepoSource } from '../core/ports.ts';

const URL_LIKE = /^https?:\/\//;

export interface ScanSourceOptions {
  /** Where the archive, index files and repositories' files are cached between runs. */
  cache: HttpCache;
  /** Never use the network: the cached database, no index, local repositories only. */
  offline: boolean;
  /** The folder relative paths in the configuration are resolved against. */
  baseDir: string;
  /** Index files confirmed current at or after this ISO time are not asked for again (a fan-out run's prepare step refreshed them). */
  freshAfter?: string;
  /** Use the cached advisory archive when there is one; download only when there is none. */
  preferCachedDb?: boolean;
  /** How long GitHub's rate limit may be waited out in one run. */
  rateLimitBudgetMs?: number;
  warn: (message: string) => void;
}

export interface ScanSources {
  advisorySource: AdvisorySource;
  dbLocation: string;
  index: IndexSource | null;
  repoSources: Partial<Record<RepoLocation['kind'], RepoSource>>;
}

/** The advisory database, index and repository sources of a configuration. */
export function buildScanSources(config: Config, options: ScanSourceOptions): ScanSources {
  const http = new HttpClient({ userAgent: USER_AGENT, timeoutMs: config.timeoutMs, retries: 4 });
  const advisoryDb = config.sources.advisoryDb;
  const advisorySource = URL_LIKE.test(advisoryDb)
    ? new HttpAdvisoryDbSource({ url: advisoryDb, http, cache: options.cache, now: () => new Date(), offline: options.offline, preferCached: options.preferCachedDb ?? false, warn: options.warn })
    : new LocalAdvisoryDbSource(isAbsolute(advisoryDb) ? advisoryDb : resolve(options.baseDir, advisoryDb));
  const repoSources: Partial<Record<RepoLocation['kind'], RepoSource>> = { path: new LocalRepoSource({ maxFileBytes: config.maxFileBytes }) };
  if (!options.offline) {
    repoSources.github = new GithubRepoSource({
      apiBase: config.sources.githubApi,
      token: config.tokens.github ?? undefined,
      http,
      maxFileBytes: config.maxFileBytes,
      rateLimitBudgetMs: options.rateLimitBudgetMs ?? 120_000,
      cache: options.cache,
    });
    repoSources.gitlab = new GitlabRepoSource({ apiBase: config.sources.gitlabApi, token: config.tokens.gitlab ?? undefined, http, maxFileBytes: config.maxFileBytes, cache: options.cache });
    repoSources.url = new UrlRepoSource({ http, maxFileBytes: config.maxFileBytes });
  }
  const index = options.offline
    ? null
    : new SparseIndexSource({ baseUrl: config.sources.index, cache: options.cache, http, concurrency: config.indexConcurrency, ...(options.freshAfter ? { freshAfter: options.freshAfter } : {}) });
  return { advisorySource, dbLocation: advisorySource.location, index, repoSources };
}
