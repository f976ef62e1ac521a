// Container image references (`postgres:16.0-alpine`, `ghcr.io/o/r:1.2@sha256:…`) read with
// Docker's reference grammar (distribution/reference): the registry, the repository, the tag.
// Parsed by splitting, with a length limit and linear patterns, so hostile text stays cheap.

/** The registry an image without a host is pulled from. */
export const DEFAULT_REGISTRY = 'docker.io';

/** Docker's limit on a repository name (host included); references longer than this are refused. */
const MAX_NAME_LENGTH = 255;
const MAX_REFERENCE_LENGTH = 512;

/** A domain component, or a bracketed IPv6 address; every pattern here is linear (no nested alternatives that overlap). */
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]$/;
const PORT = /^[0-9]{1,5}$/;
/** `alpha-numeric (separator alpha-numeric)*` with separator `[_.]|__|[-]+`. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

export interface ImageReference {
  /** The reference as given. */
  text: string;
  /** The registry host, with its port when there is one: `docker.io`, `ghcr.io`, `localhost:5000`. */
  registry: string;
  /** The repository path on that registry: `library/postgres`, `bitnami/redis`, `owner/app`. */
  repository: string;
  tag: string | null;
  digest: string | null;
  /** Where the tag starts in `text` (0-based), or null without a tag. */
  tagOffset: number | null;
}

/** A text that is not an image reference by Docker's grammar. */
export class ImageReferenceError extends Error {
  override name = 'ImageReferenceError';
  readonly reference: string;
  constructor(reference: string, reason: string) {
    super(`"${reference.length > 80 ? `${reference.slice(0, 80)}…` : reference}" is not an image reference: ${reason}`);
    this.reference = reference;
  }
}

function isDomain(host: string): boolean {
  if (host === '') return false;
  const colon = host.startsWith('[') ? host.indexOf(']:') + 1 : host.lastIndexOf(':');
  const name = colon > 0 ? host.slice(0, colon) : host;
  const port = colon > 0 ? host.slice(colon + 1) : null;
  if (port !== null && !PORT.test(port)) return false;
  if (IPV6.test(name)) return true;
  return name.split('.').every((part) => DOMAIN_COMPONENT.test(part));
}

/**
 * Reads an image reference as `docker pull` does: a first path part with a `.` or `:`, or
 * `localhost`, or an upper-case letter is a registry host; otherwise the image is on Docker
 * Hub, where one-part names are official images under `library/`.
 *
 * @example parseImageReference('postgres:16.0-alpine') // { registry: 'docker.io', repository: 'library/postgres', tag: '16.0-alpine', … }
 */
export function parseImageReference(text: string): ImageReference {
  if (text.length === 0) throw new ImageReferenceError(text, 'it is empty');
  if (text.length > MAX_REFERENCE_LENGTH) throw new ImageReferenceError(text, `longer than ${MAX_REFERENCE_LENGTH} characters`);
  let rest = text;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ImageReferenceError(text, `"${digest}" is not a digest (algorithm:hex, like sha256:…)`);
  }
  let tag: string | null = null;
  let tagOffset: number | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    tagOffset = colon + 1;
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ImageReferenceError(text, `"${tag}" is not a tag (letters, digits, _ . -, at most 128, not starting with . or -)`);
  }
  const name = rest;
  if (name === '') throw new ImageReferenceError(text, 'it has no repository name');
  if (name.length > MAX_NAME_LENGTH) throw new ImageReferenceError(text, `the name is longer than ${MAX_NAME_LENGTH} characters`);

  let registry = DEFAULT_REGISTRY;
  let path = name;
  const slash = name.indexOf('/');
  if (slash !== -1) {
    const first = name.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      if (!isDomain(first)) throw new ImageReferenceError(text, `"${first}" is not a registry host`);
      registry = first === 'index.docker.io' ? DEFAULT_REGISTRY : first;
      path = name.slice(slash + 1);
    }
  }
  const parts = path.split('/');
  for (const part of parts) {
    if (part !== part.toLowerCase()) throw new ImageReferenceError(text, 'repository names must be lower case');
    if (!PATH_COMPONENT.test(part)) throw new ImageReferenceError(text, `"${part}" is not a repository path component (lower-case letters and digits, separated by . _ __ or -)`);
  }
  const repository = registry === DEFAULT_REGISTRY && parts.length === 1 ? `library/${path}` : path;
  return { text, registry, repository, tag, digest, tagOffset };
}

/** How people write the image: `postgres`, `bitnami/redis`, `ghcr.io/owner/app` (no tag). */
export function familiarName(image: Pick<ImageReference, 'registry' | 'repository'>): string {
  if (image.registry !== DEFAULT_REGISTRY) return `${image.registry}/${image.repository}`;
  return image.repository.startsWith('library/') ? image.repository.slice('library/'.length) : image.repository;
}

/** True for the official Rust image on Docker Hub (`rust`, `docker.io/library/rust`). */
export function isRustImage(image: Pick<ImageReference, 'registry' | 'repository'>): boolean {
  return image.registry === DEFAULT_REGISTRY && image.repository === 'library/rust';
}
