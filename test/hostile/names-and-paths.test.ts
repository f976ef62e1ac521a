// Names and paths that try to climb out of where they belong: repository names, GitHub and
// GitLab locations, lockfile and manifest paths in cratewatch.toml; keys reaching the result
// store, the HTTP cache and the filesystem object store; crate names and advisory ids in the
// report site's URLs. Each is refused with the field or key it came in, before anything is
// read or written, and nothing appears outside the store's folder.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { ConfigErrors, loadConfig } from '../../functions/app/config.ts';
import { ObjectHttpCache } from '../../functions/app/object-http-cache.ts';
import { ResultStore } from '../../functions/app/result-store.ts';
import type { ObjectStore } from '../../functions/core/ports.ts';
import type { ScanResult } from '../../functions/core/result.ts';
import { advisoryUrl, badgeUrl, crateUrl, pageSegment, rawJsonUrl, repoUrl } from '../../site/src/lib/format.ts';
import { rejectionOf } from '../helpers/rejection.ts';

const TRAVERSALS = ['..', '.', '../x', '../../etc/passwd', '/etc/passwd', 'a/../../b', 'a\\..\\b', 'a/b', '%2e%2e', '.%2e', 'a\u0000b', 'name with space', '<img src=x>', ''];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-hostile-paths-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The ConfigErrors of a configuration with one repository table (`fields` as TOML lines), as `field: message` lines. */
function configProblems(fields: string): string[] {
  try {
    loadConfig(`[[repositories]]\n${fields}\n`, 'cratewatch.toml');
  } catch (error) {
    if (!(error instanceof ConfigErrors)) throw error;
    return error.problems.map((p) => `${p.location.field}: ${p.message}`);
  }
  return [];
}

describe('cratewatch.toml', () => {
  it.each(TRAVERSALS)('refuses the repository name %j, naming the field', (name) => {
    const problems = configProblems(`name = ${JSON.stringify(name)}\ngithub = "acme/app"`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^repositories\[0\]\.name: cratewatch\.toml:2 \(field `repositories\[0\]\.name`\): expected a (?:name of letters|non-empty string)/);
  });

  it.each(['acme/..', '../acme', 'acme/../../x', '/acme/app', 'acme/app/extra', 'acme\\app', 'acme/app?ref=x', 'acme/app#x', ''])('refuses the GitHub location %j, naming the field', (github) => {
    expect(configProblems(`name = "app"\ngithub = ${JSON.stringify(github)}`)).toEqual([expect.stringMatching(/^repositories\[0\]\.github: .*expected (?:"owner\/repo"|a non-empty string)/)]);
  });

  it.each(['group/../x', '../group/project', 'group/./project', '/group/project', 'group//project', 'group\\project', 'project'])('refuses the GitLab location %j, naming the field', (gitlab) => {
    expect(configProblems(`name = "app"\ngitlab = ${JSON.stringify(gitlab)}`)).toEqual([expect.stringMatching(/^repositories\[0\]\.gitlab: .*expected "group\/subgroup\/project"/)]);
  });

  it.each(['../Cargo.lock', '/etc/Cargo.lock', 'a/../../Cargo.lock', 'a//Cargo.lock', 'a\\Cargo.lock', ''])('refuses the lockfile and manifest path %j, naming the list item', (path) => {
    const problems = configProblems(`name = "app"\ngithub = "acme/app"\nlockfiles = [${JSON.stringify(path)}]\nmanifests = [${JSON.stringify(path)}]`);
    expect(problems.map((p) => p.split(':')[0])).toEqual(['repositories[0].lockfiles[0]', 'repositories[0].manifests[0]']);
  });
});

/** An object store that records every call, to show a refused name never reaches one. */
function recordingStore(): ObjectStore & { calls: string[] } {
  const calls: string[] = [];
  return {
    location: 'memory',
    calls,
    get: async (key) => void calls.push(`get ${key}`),
    put: async (key) => (calls.push(`put ${key}`), '"etag"'),
    list: async (prefix) => (calls.push(`list ${prefix}`), []),
    delete: async (key) => void calls.push(`delete ${key}`),
  };
}

describe('the result store', () => {
  it.each(TRAVERSALS)('refuses the repository name %j before any object is read or written', async (name) => {
    const objects = recordingStore();
    const store = new ResultStore(objects);
    expect(((await rejectionOf(store.readLatest(name))) as Error).message).toBe(`repository name ${JSON.stringify(name)} cannot be a folder name: use letters, digits, ".", "_" and "-" only`);
    const result = { repository: { name }, scannedAt: '2099-01-01T00:00:00.000Z' } as unknown as ScanResult;
    expect(((await rejectionOf(store.write(result, null))) as Error).message).toContain('cannot be a folder name');
    expect(objects.calls).toEqual([]);
  });

  it('refuses a scan time that would name a history object outside the repository folder', async () => {
    const objects = recordingStore();
    const result = { repository: { name: 'app' }, scannedAt: '../../../state/alert-ledger' } as unknown as ScanResult;
    expect(((await rejectionOf(new ResultStore(objects).write(result, null))) as Error).message).toBe('scannedAt "../../../state/alert-ledger" is not an ISO 8601 time');
    expect(objects.calls).toEqual([]);
  });
});

describe('the HTTP cache', () => {
  it.each(['../x', 'index/../../state/alert-ledger.json', 'a//b', '/abs', 'a/./b', 'a\u0000b'])('refuses the key %j before touching the store', async (key) => {
    const objects = recordingStore();
    const cache = new ObjectHttpCache(objects, () => new Date('2099-01-01T00:00:00Z'));
    expect(((await rejectionOf(cache.get(key))) as Error).message).toBe(`cache key ${JSON.stringify(key)} is not a relative path of plain segments`);
    expect(((await rejectionOf(cache.put(key, { etag: null, lastModified: null, fetchedAt: '2099-01-01T00:00:00.000Z', body: new Uint8Array(1) }))) as Error).message).toContain('is not a relative path');
    expect(objects.calls).toEqual([]);
  });

  it('stores a key with odd characters under one escaped object name inside cache/', async () => {
    const objects = recordingStore();
    await new ObjectHttpCache(objects, () => new Date('2099-01-01T00:00:00Z')).put('repo-files/github/host/<a>|"b"\\c', { etag: null, lastModified: null, fetchedAt: '2099-01-01T00:00:00.000Z', body: new Uint8Array(1) });
    expect(objects.calls).toEqual(['put cache/http/repo-files/github/host/%3Ca%3E%7C%22b%22%5Cc']);
  });
});

describe('the filesystem object store', () => {
  it.each(['../escaped', '../../escaped', '/tmp/escaped', 'results/../../escaped', 'a\\..\\escaped', 'results//x', 'results/./x', 'a\u0000b', '', 'results/.latest.json.lock'])(
    'refuses the key %j and writes nothing, inside its folder or beside it',
    async (key) => {
      const root = join(dir, 'store');
      const store = new FsObjectStore(root);
      expect(((await rejectionOf(store.put(key, 'x', { contentType: 'text/plain' }))) as Error).message).toMatch(/^object key .* (?:is empty|contains|is absolute|has an empty segment|has a "\." or "\.\." segment|has a segment named like a temp or lock file)/);
      expect(((await rejectionOf(store.get(key))) as Error).message).toMatch(/^object key /);
      expect(((await rejectionOf(store.delete(key))) as Error).message).toMatch(/^object key /);
      expect(await readdir(dir)).toEqual([]);
    },
  );
});

describe('the report site\'s URLs', () => {
  const HOSTILE = ['..', '.', '../../../escaped', 'a/b', '%2e%2e', '.%2E', '<img src=x onerror=alert(1)>', '"quoted"', 'a?b#c', 'é', ''];

  it.each(HOSTILE)('puts the crate and advisory pages of %j inside their section, one segment deep', (name) => {
    for (const [url, section] of [[crateUrl(name), '/crates/'], [advisoryUrl(name), '/advisories/']] as const) {
      const resolved = new URL(url, 'https://site.test/');
      expect(resolved.pathname).toBe(`${section}${pageSegment(name)}/`);
      expect(resolved.search + resolved.hash).toBe('');
    }
    expect(pageSegment(name)).toMatch(/^~[0-9a-f]*$/);
  });

  it('keeps real crate names and advisory ids as they are', () => {
    expect([crateUrl('serde_json'), crateUrl('Inflector'), advisoryUrl('RUSTSEC-2024-0436'), advisoryUrl('GHSA-9x9x-7q2v-4m3p')]).toEqual([
      '/crates/serde_json/',
      '/crates/Inflector/',
      '/advisories/RUSTSEC-2024-0436/',
      '/advisories/GHSA-9x9x-7q2v-4m3p/',
    ]);
  });

  it('gives two different names two different pages', () => {
    const segments = new Set(HOSTILE.map(pageSegment));
    expect(segments.size).toBe(HOSTILE.length);
  });

  it('builds repository URLs only from the names the configuration allows', () => {
    // The configuration refuses every name that is not letters, digits, ".", "_" and "-" (and "." or ".."), so these stay in place.
    for (const name of ['app', 'my.repo', 'a_b-c', '...', '.hidden']) {
      expect(new URL(repoUrl(name), 'https://site.test/').pathname).toBe(`/repos/${name}/`);
      expect(new URL(rawJsonUrl(name), 'https://site.test/').pathname).toBe(`/repos/${name}/latest.json`);
      expect(new URL(badgeUrl(name), 'https://site.test/').pathname).toBe(`/badges/${name}.svg`);
    }
  });
});
