// The interfaces the toolchain check reaches the outside through: the latest stable Rust
// (the channel manifest) and an image's tags (a container registry).
import type { ImageReference } from './image-reference.ts';
import type { StableRelease } from './rust-releases.ts';

/** The latest stable Rust. Asked once per run. */
export interface RustReleaseSource {
  /** Resolves with the latest stable; rejects with an error naming the URL when it cannot be read. */
  latestStable(): Promise<StableRelease>;
  /** Where it is read from, for messages. */
  readonly location: string;
}

export type TagListing =
  /** Every tag, or the first pages of them when `truncated` (past the page limit). */
  | { kind: 'found'; tags: string[]; truncated: boolean }
  /** 404: the registry has no such repository (or hides it from anonymous users). */
  | { kind: 'gone'; status: number; message: string }
  /** The registry could not be asked or refused (network, 401/403 after the token handshake, 5xx, a malformed body). */
  | { kind: 'failed'; message: string };

/** A container registry's tag lists. Never rejects: problems come back as `gone` or `failed`. */
export interface ImageTagSource {
  listTags(image: Pick<ImageReference, 'registry' | 'repository'>): Promise<TagListing>;
}
