// The toolchain check of one repository: its Rust pins (rust-toolchain files, `FROM rust:…`
// lines, manifests' `rust-version`) against the latest stable, and its other base images
// (Dockerfiles, compose files, Kubernetes manifests) against their registry's newer tags of
// the same variant; each with the line to change and the new value, or why it was not checked.
import { parseDockerfile, writtenSpan, type DockerfileFrom } from '../core/dockerfile.ts';
import { LocatedError, errorMessage } from '../core/errors.ts';
import { familiarName, isRustImage, type ImageReference } from '../core/image-reference.ts';
import { findComposeImages, findKubernetesImages } from '../core/image-refs.ts';
import { findNewerTags, parseVersionTag } from '../core/image-tags.ts';
import type { RepoFile } from '../core/ports.ts';
import type { ToolchainFinding, ToolchainNotChecked, ToolchainReport } from '../core/result.ts';
import { checkRustRelease, releasesSince, type StableRelease } from '../core/rust-releases.ts';
import { parseRustToolchain } from '../core/rust-toolchain.ts';
import { indexTomlLines, parseTomlIn } from '../core/toml.ts';
import { classifyToolchainFile, ToolchainFileError } from '../core/toolchain-files.ts';
import type { ImageTagSource, RustReleaseSource, TagListing } from '../core/toolchain-ports.ts';

export type { ToolchainEdit, ToolchainFinding, ToolchainFindingKind, ToolchainNotChecked, ToolchainReport } from '../core/result.ts';

export interface ToolchainSources {
  rust: RustReleaseSource;
  /** null: base images are not checked (no registry configured). */
  tags: ImageTagSource | null;
}

export interface ToolchainCheckOptions {
  /** Rust pins more than this many stable releases behind are flagged. */
  maxReleasesBehind: number;
  /** false: base images other than `rust` are not looked at at all (`[toolchains] base_images = false`); default true. */
  baseImages?: boolean;
}

/** A Rust pin found in a file, before it is compared. */
interface RustPin {
  kind: 'rust-toolchain' | 'rust-image' | 'rust-version';
  file: string;
  line: number;
  /** The tag, channel or rust-version. */
  value: string;
  /** The dated channel's date (`nightly-2024-01-01`), or null. */
  date: string | null;
  subject: string;
  /** Where `value`'s version part is written, or null. */
  at: { line: number; column: number } | null;
  /** The `ARG` that sets it in a Dockerfile, for the message. */
  arg: string | null;
  reference: ImageReference | null;
}

/** A base image found in a file, before its registry is asked. */
interface ImagePin {
  file: string;
  line: number;
  reference: ImageReference;
  tag: string;
  subject: string;
  at: { line: number; column: number } | null;
  arg: string | null;
}

/** The version part of a tag: `1.75` of `1.75-alpine`, `v1.2.3` of `v1.2.3-slim`. */
function versionPart(tag: string): string {
  const parsed = parseVersionTag(tag);
  return parsed === null ? tag : tag.slice(0, tag.length - parsed.suffix.length);
}

function notCheckedFromError(error: unknown, file: string): ToolchainNotChecked {
  if (error instanceof LocatedError) return { file, line: error.location.line ?? null, subject: file, reason: error.message };
  return { file, line: null, subject: file, reason: `${file}: ${errorMessage(error)}` };
}

/** Where the version part of a FROM's tag was written, and through which ARG. */
function fromTagPlace(from: DockerfileFrom, reference: ImageReference): { at: { line: number; column: number } | null; arg: string | null } {
  if (reference.tag === null || reference.tagOffset === null) return { at: null, arg: null };
  const start = reference.tagOffset;
  const end = start + versionPart(reference.tag).length;
  return { at: writtenSpan(from, start, end), arg: from.via[start] ?? null };
}

/** Reads the pins out of the repository's files; unreadable files become `notChecked`. */
function collectPins(files: readonly RepoFile[], notChecked: ToolchainNotChecked[]): { rust: RustPin[]; images: ImagePin[] } {
  const rust: RustPin[] = [];
  const images: ImagePin[] = [];
  const addImage = (file: string, line: number, reference: ImageReference, subject: string, at: ImagePin['at'], arg: string | null) => {
    if (isRustImage(reference)) {
      if (reference.tag === null) notChecked.push({ file, line, subject, reason: `${subject}: no tag (means \`latest\`): not a version, not checked` });
      else rust.push({ kind: 'rust-image', file, line, value: reference.tag, date: null, subject, at, arg, reference });
      return;
    }
    if (reference.tag === null) {
      const reason = reference.digest !== null ? 'pinned by digest only: not checked' : 'no tag (means `latest`): not a version, not checked';
      notChecked.push({ file, line, subject, reason: `${subject}: ${reason}` });
      return;
    }
    images.push({ file, line, reference, tag: reference.tag, subject, at, arg });
  };

  for (const { path, text } of files) {
    const kind = classifyToolchainFile(path);
    if (kind === null) continue;
    try {
      if (kind === 'rust-toolchain') {
        const pin = parseRustToolchain(text, path);
        const subject = `${path} channel \`${pin.value}\``;
        if (pin.channel.kind === 'version') rust.push({ kind: 'rust-toolchain', file: path, line: pin.line, value: pin.channel.version, date: null, subject, at: { line: pin.line, column: pin.column }, arg: null, reference: null });
        else if (pin.channel.kind !== 'custom' && pin.channel.date !== null) rust.push({ kind: 'rust-toolchain', file: path, line: pin.line, value: pin.value, date: pin.channel.date, subject, at: { line: pin.line, column: pin.column }, arg: null, reference: null });
        else if (pin.channel.kind === 'custom') notChecked.push({ file: path, line: pin.line, subject, reason: `${subject}: a custom toolchain, not a release: not checked` });
        else notChecked.push({ file: path, line: pin.line, subject, reason: `${subject}: follows the ${pin.channel.kind} channel, nothing pinned: not checked` });
      } else if (kind === 'dockerfile') {
        for (const from of parseDockerfile(text, path).froms) {
          const subject = `FROM ${from.written}`;
          if (from.base.kind === 'unresolved') {
            notChecked.push({ file: path, line: from.line, subject, reason: `${path}:${from.line}: \`${subject}\` uses ${from.base.variables.map((v) => `$${v}`).join(', ')} without a default (set with --build-arg): not checked` });
          } else if (from.base.kind === 'image') {
            const place = fromTagPlace(from, from.base.image);
            addImage(path, from.line, from.base.image, from.written === from.resolved ? subject : `${subject} (${from.resolved})`, place.at, place.arg);
          }
        }
      } else if (kind === 'compose' || kind === 'kubernetes') {
        const uses = kind === 'compose' ? findComposeImages(text, path) : findKubernetesImages(text, path);
        for (const use of uses) {
          const subject = `${use.where}: ${use.written}`;
          if (use.reference === null) notChecked.push({ file: path, line: use.line, subject, reason: `${path}:${use.line}: ${use.where}: ${use.problem}` });
          else addImage(path, use.line, use.reference, subject, use.tagColumn === null ? null : { line: use.line, column: use.tagColumn }, null);
        }
      } else {
        const pin = readRustVersion(text, path);
        if (pin !== null) rust.push(pin);
      }
    } catch (error) {
      notChecked.push(notCheckedFromError(error, path));
    }
  }
  return { rust, images };
}

/** `package.rust-version` or `workspace.package.rust-version` of a Cargo.toml, with its line. */
function readRustVersion(text: string, file: string): RustPin | null {
  const doc = parseTomlIn(text, file, (message, location, options) => new ToolchainFileError(message, location, options));
  const table = (value: unknown) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
  const lines = indexTomlLines(text);
  for (const field of ['package.rust-version', 'workspace.package.rust-version']) {
    const [first, second] = field.split('.') as [string, string];
    const value = field.startsWith('workspace') ? table(table(doc.workspace).package)['rust-version'] : table(doc[first])[second];
    if (typeof value !== 'string') continue;
    const line = lines.get(field) ?? 1;
    const written = text.split(/\r?\n/)[line - 1] ?? '';
    const quoted = Math.max(written.indexOf(`"${value}"`), written.indexOf(`'${value}'`));
    const column = quoted;
    return { kind: 'rust-version', file, line, value, date: null, subject: `${field} = "${value}"`, at: column === -1 ? null : { line, column: column + 2 }, arg: null, reference: null };
  }
  return null;
}

function rustFinding(pin: RustPin, latest: StableRelease, maxBehind: number, rustTags: TagListing | null): ToolchainFinding | ToolchainNotChecked {
  const where = `${pin.file}:${pin.line}`;
  const image = pin.reference === null ? null : familiarName(pin.reference);
  if (pin.date !== null) {
    const behind = releasesSince(pin.date, latest) ?? 0;
    return {
      kind: pin.kind, file: pin.file, line: pin.line, image, current: pin.value, latest: latest.version, behind, update: null,
      flagged: behind > maxBehind, newValue: null, edit: null,
      message: `${where}: \`${pin.value}\` is about ${behind} release${behind === 1 ? '' : 's'} older than the latest stable ${latest.version} (${latest.date}): pick a newer ${pin.value.split('-')[0]}`,
    };
  }
  const check = checkRustRelease(pin.value, latest.version, maxBehind);
  if (check.kind === 'not-a-version') return { file: pin.file, line: pin.line, subject: pin.subject, reason: `${where}: ${check.reason}` };
  let newValue = check.newValue;
  let note = '';
  // A variant that moved on (`-alpine3.19`): suggest only a tag the registry has.
  if (pin.kind === 'rust-image' && newValue !== null && rustTags?.kind === 'found' && !rustTags.tags.includes(newValue)) {
    const alternative = findNewerTags(pin.value, rustTags.tags);
    const newest = alternative.kind === 'checked' ? alternative.newest : null;
    note = ` (docker.io has no tag \`${newValue}\`${newest === null ? '' : `; the newest with this variant is \`${newest}\``})`;
    newValue = newest;
  }
  const old = pin.kind === 'rust-image' ? versionPart(pin.value) : pin.value;
  const edit = newValue !== null && pin.at !== null ? { line: pin.at.line, column: pin.at.column, old, new: pin.kind === 'rust-image' ? versionPart(newValue) : newValue } : null;
  const shown = pin.kind === 'rust-image' ? `rust:${pin.value}` : pin.kind === 'rust-version' ? `rust-version "${pin.value}"` : `channel \`${pin.value}\``;
  const status = check.ahead
    ? `is newer than the latest stable ${check.latest}`
    : check.behind === 0
      ? `is on the latest stable ${check.latest}`
      : `is ${check.behind} release${check.behind === 1 ? '' : 's'} behind the latest stable ${check.latest}`;
  const via = pin.arg !== null && edit !== null ? ` (set by ARG ${pin.arg} on line ${edit.line})` : '';
  const advice = newValue === null ? '' : `: use ${pin.kind === 'rust-image' ? `rust:${newValue}` : `"${newValue}"`}${via}`;
  return {
    kind: pin.kind, file: pin.file, line: pin.line, image, current: pin.value, latest: check.latest, behind: check.behind, update: null,
    flagged: check.flagged, newValue, edit, message: `${where}: ${shown} ${status}${advice}${note}`,
  };
}

function imageFinding(pin: ImagePin, listing: TagListing): ToolchainFinding | ToolchainNotChecked {
  const where = `${pin.file}:${pin.line}`;
  const name = familiarName(pin.reference);
  if (listing.kind !== 'found') return { file: pin.file, line: pin.line, subject: pin.subject, reason: `${where}: ${name}:${pin.tag}: tags not checked: ${listing.message}` };
  const check = findNewerTags(pin.tag, listing.tags);
  if (check.kind === 'not-a-version') return { file: pin.file, line: pin.line, subject: pin.subject, reason: `${where}: ${name}:${pin.tag}: ${check.reason}` };
  const partial = listing.truncated ? ` (among the first ${listing.tags.length} tags the registry listed)` : '';
  const digest = pin.reference.digest !== null ? '; the image is also pinned by digest: update the digest with the tag' : '';
  const edit = check.newest !== null && pin.at !== null ? { line: pin.at.line, column: pin.at.column, old: versionPart(pin.tag), new: versionPart(check.newest) } : null;
  const via = pin.arg !== null && edit !== null ? ` (set by ARG ${pin.arg} on line ${edit.line})` : '';
  let message: string;
  if (check.newest === null) {
    message = `${where}: ${name}:${pin.tag} is the newest tag of its variant on ${pin.reference.registry}${partial}`;
  } else {
    const smaller = (['minor', 'patch'] as const).filter((level) => level !== check.update && check.steps[level] !== null).map((level) => `${check.steps[level]} (${level})`);
    message = `${where}: ${name}:${pin.tag} → ${check.newest} (${check.update})${via}${smaller.length > 0 ? `; smaller steps: ${smaller.join(', ')}` : ''}${partial}${digest}`;
  }
  return {
    kind: 'base-image', file: pin.file, line: pin.line, image: name, current: pin.tag, latest: check.newest ?? pin.tag, behind: null, update: check.update,
    flagged: check.newest !== null, newValue: check.newest, edit, message,
  };
}

const isFinding = (entry: ToolchainFinding | ToolchainNotChecked): entry is ToolchainFinding => 'kind' in entry;

/**
 * Checks one repository's toolchain files (paths and texts, any others are ignored; see
 * `isToolchainFile` for which to fetch). Never rejects for what the files or the sources
 * say: an unreadable file, an unknown latest stable, an unreachable registry each become
 * `notChecked` entries with the reason.
 */
export async function checkToolchains(files: readonly RepoFile[], sources: ToolchainSources, options: ToolchainCheckOptions): Promise<ToolchainReport> {
  const notChecked: ToolchainNotChecked[] = [];
  const findings: ToolchainFinding[] = [];
  const pins = collectPins(files, notChecked);

  let latestStable: StableRelease | null = null;
  if (pins.rust.length > 0) {
    try {
      latestStable = await sources.rust.latestStable();
    } catch (error) {
      for (const pin of pins.rust) notChecked.push({ file: pin.file, line: pin.line, subject: pin.subject, reason: `${pin.file}:${pin.line}: the latest stable Rust is not known: ${errorMessage(error)}` });
    }
  }
  if (latestStable !== null) {
    const wantsRustTags = sources.tags !== null && pins.rust.some((pin) => pin.kind === 'rust-image' && checkRustRelease(pin.value, latestStable!.version, options.maxReleasesBehind).kind === 'checked');
    const rustTags = wantsRustTags ? await sources.tags!.listTags({ registry: 'docker.io', repository: 'library/rust' }) : null;
    for (const pin of pins.rust) {
      const entry = rustFinding(pin, latestStable, options.maxReleasesBehind, rustTags);
      if (isFinding(entry)) findings.push(entry);
      else notChecked.push(entry);
    }
  }

  const listings = new Map<string, Promise<TagListing>>();
  for (const pin of options.baseImages === false ? [] : pins.images) {
    if (parseVersionTag(pin.tag) === null) {
      notChecked.push({ file: pin.file, line: pin.line, subject: pin.subject, reason: `${pin.file}:${pin.line}: ${familiarName(pin.reference)}:${pin.tag}: tag \`${pin.tag}\` is not a version: not checked` });
      continue;
    }
    if (sources.tags === null) {
      notChecked.push({ file: pin.file, line: pin.line, subject: pin.subject, reason: `${pin.file}:${pin.line}: ${familiarName(pin.reference)}:${pin.tag}: no registry configured: not checked` });
      continue;
    }
    const key = `${pin.reference.registry}/${pin.reference.repository}`;
    let listing = listings.get(key);
    if (listing === undefined) {
      // One at a time: a repository has a handful of images, and the source keeps every listing for the run.
      listing = Promise.resolve(await sources.tags.listTags(pin.reference));
      listings.set(key, listing);
    }
    const entry = imageFinding(pin, await listing);
    if (isFinding(entry)) findings.push(entry);
    else notChecked.push(entry);
  }
  return { latestStable, findings, notChecked };
}
