// The interfaces adapters implement: how the core and the use cases reach the outside.
// Each adapter takes its base URL or client in its constructor, so tests point it at loopback.
import type { AdvisoryDb } from './advisory.ts';
import type { DuplicateAllowance } from './duplicate-policy.ts';
import type { DenyKind, Ignore } from './policy.ts';
import type { Finding } from './result.ts';

/** Gives the parsed RustSec database, from wherever it is kept. */
export interface AdvisorySource {
  /** Loads and parses the database; throws AdvisoryDbError when it cannot be read at all. */
  load(): Promise<AdvisoryDb>;
  /** Where the database comes from, for results and messages (a path or URL). */
  readonly location: string;
}

/** One version line of a crate in the registry index. */
export interface IndexVersion {
  version: string;
  yanked: boolean;
  /** The `rust_version` (MSRV) the version declares, if any. */
  rustVersion: string | null;
}

export type CrateLookup =
  | { kind: 'found'; versions: IndexVersion[] }
  /** 404, 410 or 451: the crate is not (or no longer) in the index. */
  | { kind: 'gone'; status: number }
  /** The index could not be asked (network, 5xx after retries, malformed body). */
  | { kind: 'failed'; message: string };

/** The crates.io sparse index (or a mirror). Asks for each crate at most once per run. */
export interface IndexSource {
  lookup(name: string): Promise<CrateLookup>;
}

/** What one release of a crate declares about a dependency, from its index line's `deps`. */
export interface IndexDependency {
  /** The name the crate's code uses: the key in its Cargo.toml (the new name when renamed). */
  name: string;
  /** The crate it names when renamed (`package = …`); null when `name` is the crate. */
  package: string | null;
  /** The version requirement as published (`^0.2`, `>=1.0, <3`). */
  req: string;
  kind: 'normal' | 'dev' | 'build';
  /** `cfg(windows)` or a target triple for a target-specific dependency; null otherwise. */
  target: string | null;
  optional: boolean;
}

/** One release of a crate with its dependencies on one other crate. */
export interface IndexReleaseDeps {
  version: string;
  yanked: boolean;
  /** Only the entries naming the crate asked about (its renamed entries too); [] when it has none. */
  deps: IndexDependency[];
}

/** Every release of a crate with what it requires of one other crate (`parseIndexDeps`). */
export type DependencyLookup =
  | { kind: 'found'; releases: IndexReleaseDeps[] }
  /** 404, 410 or 451: the crate is not (or no longer) in the index. */
  | { kind: 'gone'; status: number }
  /** The index could not be asked (network, 5xx after retries, malformed body). */
  | { kind: 'failed'; message: string };

/**
 * What each release of a crate requires of another one (`deps[].req` in the index), for
 * the few dependents of a duplicated crate. Separate from IndexSource so that ordinary
 * lookups keep no dependency lists; the sparse index implements both and answers this
 * from the file its lookup of the same run already fetched. Never rejects.
 *
 * @example await index.dependencyRequirements('tower-http', 'http') // releases of tower-http, each with its deps on http
 */
export interface IndexDependencySource {
  dependencyRequirements(crate: string, on: string): Promise<DependencyLookup>;
}

/** A cached HTTP response, for conditional requests (`If-None-Match`, `If-Modified-Since`). */
export interface CachedResponse {
  etag: string | null;
  lastModified: string | null;
  /** ISO time the body was fetched. */
  fetchedAt: string;
  body: Uint8Array;
}

/** Keeps cached responses between runs (in the result store). Keys are plain strings. */
export interface HttpCache {
  get(key: string): Promise<CachedResponse | undefined>;
  put(key: string, value: CachedResponse): Promise<void>;
}

export type RepoLocation =
  | { kind: 'github'; repo: string }
  | { kind: 'gitlab'; project: string }
  | { kind: 'url'; url: string }
  | { kind: 'path'; path: string };

/** One repository of the configuration. */
export interface RepoConfig {
  name: string;
  location: RepoLocation;
  /** Branch, tag or commit; the default branch when absent. */
  ref: string | null;
  /** Paths of lockfiles to read; null: discover every Cargo.lock in the tree. */
  lockfiles: string[] | null;
  /** Paths of manifests to read; null: discover every Cargo.toml in the tree. */
  manifests: string[] | null;
  ignores: Ignore[];
  deny: DenyKind[];
  /** Duplicated crates the repository accepts (`[[repositories.duplicates]]`); absent when none. */
  duplicates?: DuplicateAllowance[];
}

export interface RepoFile {
  /** Path inside the repository, `/`-separated. */
  path: string;
  text: string;
}

/** What a repository source brings back for one repository. */
export interface RepoSnapshot {
  /** The commit the files were read at, when the source knows it. */
  commit: string | null;
  /** The ref that was read (the default branch's name when none was configured), when known. */
  ref: string | null;
  lockfiles: RepoFile[];
  manifests: RepoFile[];
  /** `.cargo/audit.toml` and `deny.toml` at the repository root, when present. */
  policyFiles: RepoFile[];
  /**
   * rust-toolchain files, Dockerfiles, compose and Kubernetes files (`isToolchainFile`, Cargo.toml
   * aside: those are `manifests`) found by discovery, each at most MAX_TOOLCHAIN_FILE_BYTES.
   */
  toolchainFiles: RepoFile[];
}

/** Reads one kind of repository location. Throws RepoFetchError when it cannot. */
export interface RepoSource {
  fetchRepository(repo: RepoConfig): Promise<RepoSnapshot>;
}

/** A stored object with its version: S3's ETag, or a digest of the file's bytes. */
export interface StoredObject {
  body: Uint8Array;
  etag: string;
}

/**
 * A condition on a write, as S3 takes it: `ifNoneMatch: '*'` creates only (never
 * overwrites), `ifMatch` replaces only the version that was read. A refused write throws
 * PreconditionFailedError.
 */
export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string };

export interface PutOptions {
  contentType: string;
  condition?: WriteCondition;
}

/**
 * Keys to bytes: the filesystem by default, S3 on AWS. Keys are `/`-separated relative
 * paths (`results/ripgrep/latest.json`). Every object appears whole or not at all.
 * Failures other than a refused condition throw StoreError.
 */
export interface ObjectStore {
  /** The object, or undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Writes the object and returns its new version. */
  put(key: string, body: Uint8Array | string, options: PutOptions): Promise<string>;
  /** Every key under `prefix` (which ends in `/`), in no particular order. */
  list(prefix: string): Promise<string[]>;
  /** Removes the object; removing one that is absent is not an error. */
  delete(key: string): Promise<void>;
  /** Where the objects are (a folder or `s3://bucket/prefix`), for messages. */
  readonly location: string;
}

/** A new finding at or above the alert threshold. */
export interface Alert {
  repository: string;
  lockfile: string;
  finding: Finding;
}

/** Tells people about new findings: the terminal by default, SNS on AWS. */
export interface Alerter {
  /**
   * Delivers the alerts (an empty list sends nothing). Resolves once the service accepted
   * every one; throws AlertDeliveryError naming those accepted before a failure.
   */
  send(alerts: readonly Alert[]): Promise<void>;
}

/** Builds the static report site from a results folder (the layout the result store writes). */
export interface SiteBuilder {
  /** Builds into `outDir`, replacing what was there. Throws when the build fails. */
  build(resultsDir: string, outDir: string): Promise<void>;
}
