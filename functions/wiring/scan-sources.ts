// The sources a scan reads, built from the configuration: shared by the two composition
// roots (the `cratewatch` CLI and the Lambda handlers) so both scan exactly the same way.
import { isAbsolute, resolve } from 'node:path';
import { GithubRepoSource } from '../adapters/github-repo-source.ts';
import { GitlabRepoSource } from '../adapters/gitlab-repo-source.ts';
import { DOCKER_HUB_API, DockerRegistryTagSource } from '../adapters/docker-registry.ts';
import { describeHostDown, HttpClient, type UnreachableHost } from '../adapters/http-client.ts';
import { LocalRepoSource } from '../adapters/local-repo-source.ts';
import { RustChannelSource } from '../adapters/rust-channel.ts';
import { HttpAdvisoryDbSource, LocalAdvisoryDbSource } from '../adapters/rustsec-archive.ts';
import { SparseIndexSource } from '../adapters/sparse-index.ts';
import { UrlRepoSource } from '../adapters/url-repo-source.ts';
import type { ToolchainRequest } from '../app/audit-lockfile.ts';
import type { Config } from '../app/config.ts';
import { USER_AGENT } from '../app/version.ts';
import type { CompiledAdvisoryDbCache } from '../core/advisory-db-snapshot.ts';
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
  /** Where the parsed database is kept compiled between runs (an unchanged database is not parsed again). */
  compiled?: CompiledAdvisoryDbCache;
  /**
   * Called once per host the run stops asking because it cannot be reached (its name does
   * not resolve, or it refuses connections): say it once there, not once per request.
   * Absent: `warn` says `describeSourceDown`'s line.
   */
  onHostDown?: (host: UnreachableSource) => void;
}

/** What a host is to the scan: which of the configured sources live there. */
export type SourceRole = 'index' | 'advisory-db' | 'github' | 'gitlab' | 'url' | 'rust-channel' | 'registry';

/** A host the run stopped asking, with the sources it serves and the repositories read from it. */
export interface UnreachableSource extends UnreachableHost {
  roles: SourceRole[];
  /** Configured repositories whose files come from this host. */
  repositories: string[];
}

export interface ScanSources {
  advisorySource: AdvisorySource;
  dbLocation: string;
  index: IndexSource | null;
  repoSources: Partial<Record<RepoLocation['kind'], RepoSource>>;
  /** The toolchain check's sources and settings; its sources are null when offline. */
  toolchains: ToolchainRequest;
  /** The hosts this run stopped asking so far, in the order it did. */
  unreachable: () => UnreachableSource[];
}

function originOf(url: string): string | null {
  try {
    return new URL(url.replace(/^sparse\+/, '')).origin;
  } catch {
    return null;
  }
}

/** The roles and repositories of `host` in the configuration. */
function placeHost(config: Config, host: UnreachableHost): UnreachableSource {
  const at = (url: string) => originOf(url) === host.origin;
  const roles: SourceRole[] = [];
  if (at(config.sources.index)) roles.push('index');
  if (URL_LIKE.test(config.sources.advisoryDb) && at(config.sources.advisoryDb)) roles.push('advisory-db');
  if (at(config.sources.githubApi)) roles.push('github');
  if (at(config.sources.gitlabApi)) roles.push('gitlab');
  if (at(config.sources.rustChannel)) roles.push('rust-channel');
  if ([DOCKER_HUB_API, ...Object.values(config.sources.registries)].some(at)) roles.push('registry');
  const served = (location: RepoLocation): boolean => {
    switch (location.kind) {
      case 'url': return at(location.url);
      case 'github': return roles.includes('github');
      case 'gitlab': return roles.includes('gitlab');
      case 'path': return false;
    }
  };
  if (config.repositories.some((r) => r.location.kind === 'url' && at(r.location.url))) roles.push('url');
  return { ...host, roles, repositories: config.repositories.filter((r) => served(r.location)).map((r) => r.name) };
}

const ROLE_NAMES: Record<SourceRole, string> = {
  index: 'the index',
  'advisory-db': 'the advisory database',
  github: 'the GitHub API',
  gitlab: 'the GitLab API',
  url: 'repository files',
  'rust-channel': 'the Rust release channel',
  registry: 'a container registry',
};

/** The one line said when a host is first marked down, naming the sources it serves. */
export function describeSourceDown(host: UnreachableSource): string {
  return describeHostDown(host, host.roles.map((r) => ROLE_NAMES[r]).join(', ') || undefined);
}

/** The advisory database, index and repository sources of a configuration. */
export function buildScanSources(config: Config, options: ScanSourceOptions): ScanSources {
  const onHostDown = options.onHostDown ?? ((host: UnreachableSource) => options.warn(describeSourceDown(host)));
  const http = new HttpClient({ userAgent: USER_AGENT, timeoutMs: config.timeoutMs, retries: 4, onHostDown: (host) => onHostDown(placeHost(config, host)) });
  const advisoryDb = config.sources.advisoryDb;
  const compiled = options.compiled ? { compiled: options.compiled } : {};
  const advisorySource = URL_LIKE.test(advisoryDb)
    ? new HttpAdvisoryDbSource({ url: advisoryDb, http, cache: options.cache, now: () => new Date(), offline: options.offline, preferCached: options.preferCachedDb ?? false, warn: options.warn, ...compiled })
    : new LocalAdvisoryDbSource(isAbsolute(advisoryDb) ? advisoryDb : resolve(options.baseDir, advisoryDb), compiled);
  const repoSources: Partial<Record<RepoLocation['kind'], RepoSource>> = { path: new LocalRepoSource({ maxFileBytes: config.maxFileBytes, configFile: config.file }) };
  if (!options.offline) {
    repoSources.github = new GithubRepoSource({
      apiBase: config.sources.githubApi,
      token: config.tokens.github ?? undefined,
      http,
      maxFileBytes: config.maxFileBytes,
      configFile: config.file,
      rateLimitBudgetMs: options.rateLimitBudgetMs ?? 120_000,
      cache: options.cache,
    });
    repoSources.gitlab = new GitlabRepoSource({ apiBase: config.sources.gitlabApi, token: config.tokens.gitlab ?? undefined, http, maxFileBytes: config.maxFileBytes, configFile: config.file, cache: options.cache });
    repoSources.url = new UrlRepoSource({ http, maxFileBytes: config.maxFileBytes, configFile: config.file });
  }
  const index = options.offline
    ? null
    : new SparseIndexSource({ baseUrl: config.sources.index, cache: options.cache, http, concurrency: config.indexConcurrency, ...(options.freshAfter ? { freshAfter: options.freshAfter } : {}) });
  // One channel source and one registry source per run: each asks its host once, and shares the client's unreachable-host breaker.
  const toolchainSources = options.offline
    ? null
    : {
        rust: new RustChannelSource({ url: config.sources.rustChannel, http, cache: options.cache }),
        // Rust images are checked against docker.io's tags even when other base images are not.
        tags: new DockerRegistryTagSource({ http, endpoints: config.sources.registries }),
      };
  const toolchains: ToolchainRequest = { sources: toolchainSources, maxReleasesBehind: config.toolchains.maxReleasesBehind, baseImages: config.toolchains.baseImages };
  return { advisorySource, dbLocation: advisorySource.location, index, repoSources, toolchains, unreachable: () => http.unreachableHosts().map((host) => placeHost(config, host)) };
}
