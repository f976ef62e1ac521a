// Reads every import in functions/ and site/ and fails on a breach of the layer rules
// in STYLE.md: cheaper than a lint plugin, and it cannot drift from the code.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mts|astro)$/.test(f) && !f.includes('node_modules'))
    .map((f) => join(dir, f));
}

interface Import {
  file: string;
  specifier: string;
  /** Project-relative target for relative imports. */
  target?: string;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: Import[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = (match[1] ?? match[2])!;
    const entry: Import = { file, specifier };
    if (specifier.startsWith('.')) entry.target = relative(ROOT, resolve(ROOT, dirname(file), specifier));
    found.push(entry);
  }
  return found;
}

const layer = (path: string) => /^functions\/([^/]+)\//.exec(path)?.[1];
const all = sourceFiles('functions').flatMap(importsOf);

describe('architecture', () => {
  it('finds the imports it checks', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.some((i) => i.file.startsWith('functions/core/') && i.specifier === 'smol-toml')).toBe(true);
  });

  it('keeps core pure: only core files, smol-toml, semver and the CVSS calculator', () => {
    const allowed = new Set(['smol-toml', 'semver', 'ae-cvss-calculator']);
    const breaches = all
      .filter((i) => i.file.startsWith('functions/core/'))
      .filter((i) => (i.target ? layer(i.target) !== 'core' && !i.target.startsWith('package.json') : !allowed.has(i.specifier)))
      .map((i) => `${i.file} imports ${i.specifier}`);
    expect(breaches).toEqual([]);
  });

  it('keeps core free of the clock, the environment, the network and the filesystem', () => {
    const forbidden = /\bDate\.now\(|new Date\(\)|\bprocess\.|\bfetch\(|from ['"]node:/;
    const breaches = sourceFiles('functions/core').filter((f) => forbidden.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(breaches).toEqual([]);
  });

  it('lets adapters import core and the shared helpers (HTTP client, git checkout), never each other, app, handlers or cli', () => {
    const shared = new Set(['functions/adapters/http-client.ts', 'functions/adapters/git-checkout.ts']);
    const breaches = all
      .filter((i) => i.file.startsWith('functions/adapters/') && i.target)
      .filter((i) => layer(i.target!) !== 'core' && !shared.has(i.target!))
      .map((i) => `${i.file} imports ${i.specifier}`);
    expect(breaches).toEqual([]);
  });

  it('keeps adapters from reading the environment', () => {
    const breaches = sourceFiles('functions/adapters').filter((f) => /\bprocess\.env\b/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(breaches).toEqual([]);
  });

  it('keeps app free of AWS and of handlers and the CLI', () => {
    const breaches = all
      .filter((i) => i.file.startsWith('functions/app/'))
      .filter((i) => i.specifier.startsWith('@aws-sdk/') || ['handlers', 'cli', 'adapters'].includes(layer(i.target ?? '') ?? ''))
      .map((i) => `${i.file} imports ${i.specifier}`);
    expect(breaches).toEqual([]);
  });

  it('lets only the composition roots (cli, handlers) use the shared wiring, and keeps them apart', () => {
    const breaches = all
      .filter((i) => i.target && layer(i.target) === 'wiring' && !['cli', 'handlers', 'wiring'].includes(layer(i.file) ?? ''))
      .map((i) => `${i.file} imports ${i.specifier}`);
    const crossed = all
      .filter((i) => i.target && ((layer(i.file) === 'cli' && layer(i.target) === 'handlers') || (layer(i.file) === 'handlers' && layer(i.target) === 'cli')))
      .map((i) => `${i.file} imports ${i.specifier}`);
    const wiringUp = all.filter((i) => i.file.startsWith('functions/wiring/') && i.target && ['cli', 'handlers'].includes(layer(i.target) ?? '')).map((i) => `${i.file} imports ${i.specifier}`);
    expect([...breaches, ...crossed, ...wiringUp]).toEqual([]);
  });

  it('writes relative imports with their .ts extension and has no barrel index files', () => {
    const missing = all.filter((i) => i.target && !/\.(ts|json)$/.test(i.specifier)).map((i) => `${i.file}: ${i.specifier}`);
    expect(missing).toEqual([]);
    expect(sourceFiles('functions').filter((f) => /(^|\/)index\.ts$/.test(f))).toEqual([]);
  });

  it('lets the site import only result types and pure helpers from core', () => {
    const breaches = sourceFiles('site')
      .flatMap(importsOf)
      .filter((i) => i.target?.startsWith('functions/') && layer(i.target) !== 'core')
      .map((i) => `${i.file} imports ${i.specifier}`);
    expect(breaches).toEqual([]);
  });
});
