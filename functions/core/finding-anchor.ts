// The id of a finding's entry on its repository page: the site sets it on the entry and
// alerts link to it, so both compute it here and a link from an alert always lands.

/**
 * The anchor of a finding on `/repos/<name>/`. `id` is the advisory id, or `yanked` for a
 * yanked version; runs of characters other than `A-Za-z0-9._-` become `_`.
 *
 * @example findingAnchor('Cargo.lock', 'RUSTSEC-2099-0001', 'hyper', '0.14.27') // "f-Cargo.lock-RUSTSEC-2099-0001-hyper-0.14.27"
 */
export function findingAnchor(lockfile: string, id: string, crate: string, version: string): string {
  return `f-${[lockfile, id, crate, version].join('-').replace(/[^A-Za-z0-9._-]+/g, '_')}`;
}
