// Which repository files say what Rust toolchain and base images a project builds with:
// the paths a repository source fetches for the toolchain check, and the error for a bad one.
import { LocatedError } from './errors.ts';

/** A toolchain file that cannot be read: the message starts with file:line. */
export class ToolchainFileError extends LocatedError {
  override name = 'ToolchainFileError';
}

/** The largest toolchain file read; real ones are a few KiB. */
export const MAX_TOOLCHAIN_FILE_BYTES = 1024 * 1024;

export type ToolchainFileKind = 'rust-toolchain' | 'dockerfile' | 'compose' | 'kubernetes' | 'cargo-manifest';

/** Folders whose YAML files are read as Kubernetes manifests (documents without `apiVersion` and `kind` are skipped). */
const KUBERNETES_FOLDERS = new Set(['k8s', '.k8s', 'kubernetes', 'kube', 'manifests', 'deploy', 'deployment', 'deployments', 'kustomize', 'overlays', 'base']);
/** Compose's own file names (docker compose looks for these). */
const COMPOSE = /^(?:docker-)?compose(?:\.[\w-]+)*\.ya?ml$/;
/** `Dockerfile`, `Dockerfile.dev`, `api.Dockerfile`, `Containerfile`; any case, as people write them. */
const DOCKERFILE = /^(?:(?:docker|container)file(?:\.[\w-]+)?|[\w.-]+\.(?:docker|container)file)$/i;
/** `Dockerfile.md`, `Dockerfile.j2`: documentation and templates, not Dockerfiles. */
const NOT_DOCKERFILE = /\.(?:md|txt|rst|adoc|html|j2|jinja|tpl|tmpl|template|erb|bak|orig)$/i;

/**
 * What kind of toolchain file `path` is (a `/`-separated path inside the repository), or null.
 * YAML files count as Kubernetes manifests in the folders people keep them in (`k8s/`,
 * `deploy/`, `manifests/`, …), never under `.github/` or a Helm chart's `templates/` (those
 * are templates, not YAML).
 *
 * @example classifyToolchainFile('deploy/k8s/api.yaml') // 'kubernetes'
 */
export function classifyToolchainFile(path: string): ToolchainFileKind | null {
  const parts = path.split('/');
  const name = parts.at(-1) ?? '';
  const folders = parts.slice(0, -1);
  if (name === 'rust-toolchain' || name === 'rust-toolchain.toml') return 'rust-toolchain';
  if (name === 'Cargo.toml') return 'cargo-manifest';
  if (DOCKERFILE.test(name) && !NOT_DOCKERFILE.test(name)) return 'dockerfile';
  if (COMPOSE.test(name)) return 'compose';
  if (/\.ya?ml$/.test(name) && !folders.includes('.github') && !folders.includes('templates') && folders.some((f) => KUBERNETES_FOLDERS.has(f.toLowerCase()))) {
    return 'kubernetes';
  }
  return null;
}

/** True for the files the toolchain check reads (see `classifyToolchainFile`). */
export function isToolchainFile(path: string): boolean {
  return classifyToolchainFile(path) !== null;
}
