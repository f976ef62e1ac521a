// Shared by the repository-source tests: a RepoConfig for a location, and the
// RepoFetchError a fetch rejects with.
import { expect } from 'vitest';
import { RepoFetchError } from '../../functions/core/errors.ts';
import type { RepoConfig, RepoLocation } from '../../functions/core/ports.ts';

export function repoConfig(name: string, location: RepoLocation, extra: Partial<RepoConfig> = {}): RepoConfig {
  return { name, location, ref: null, lockfiles: null, manifests: null, ignores: [], deny: [], ...extra };
}

/** The RepoFetchError `promise` rejects with; fails the test when it resolves or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<RepoFetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RepoFetchError);
  return error as RepoFetchError;
}

export const paths = (files: { path: string }[]) => files.map((f) => f.path);
