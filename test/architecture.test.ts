// Reads every import in functions/ and site/ and fails on a breach of the layer rules
// in STYLE.md: cheaper than a lint plugin, and it cannot drift from the code.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

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
    const specifier = (match[1] ?? match[2] ?? match[3])!;
    const entry: Import = { file, specifier };
    if (specifier.startsWith('.')) entry.target = relative(ROOT, resolve(ROOT, dirname(file), specifier));
    found.push(entry);
  }
  return found;
}

const layer = (path: string) => /^functions\/([^/]+)\//.exec(path)?.[1];
const all = sourceFiles('functions').flatMap(importsOf);

/**
 * Every import cycle among the files that import one another, one line per strongly connected
 * group: its shortest cycle through its first file (`a.ts → b.ts → a.ts`). Type-only imports
 * count: a cycle of types is still two modules that cannot be understood apart.
 */
function importCycles(imports: readonly Import[]): string[] {
  const graph = new Map<string, string[]>();
  for (const { file, target } of imports) {
    if (!graph.has(file)) graph.set(file, []);
    if (target && !graph.get(file)!.includes(target)) graph.get(file)!.push(target);
  }
  const edges = (file: string) => (graph.get(file) ?? []).filter((target) => graph.has(target));

  // Tarjan's strongly connected components.
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (file: string): void => {
    order.set(file, order.size);
    low.set(file, order.get(file)!);
    stack.push(file);
    for (const next of edges(file)) {
      if (!order.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (stack.includes(next)) {
        low.set(file, Math.min(low.get(file)!, order.get(next)!));
      }
    }
    if (low.get(file) === order.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== file);
      components.push(component.sort());
    }
  };
  for (const file of [...graph.keys()].sort()) if (!order.has(file)) visit(file);

  const cycles: string[] = [];
  for (const component of components) {
    const start = component[0]!;
    if (component.length === 1 && !edges(start).includes(start)) continue;
    // Breadth first from `start` inside the group, back to `start`: the shortest cycle through it.
    const inGroup = new Set(component);
    const cameFrom = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0 && !cameFrom.has(start)) {
      const file = queue.shift()!;
      for (const next of edges(file).filter((n) => inGroup.has(n)).sort()) {
        if (cameFrom.has(next)) continue;
        cameFrom.set(next, file);
        queue.push(next);
      }
    }
    const between: string[] = [];
    for (let file = cameFrom.get(start)!; file !== start; file = cameFrom.get(file)!) between.unshift(file);
    cycles.push([start, ...between, start].join(' → '));
  }
  return cycles.sort();
}

describe('architecture', () => {
  it('finds the imports it checks', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.some((i) => i.file.startsWith('functions/core/') && i.specifier === 'smol-toml')).toBe(true);
  });

  it('keeps core pure: only core files, smol-toml, yaml, semver and the CVSS calculator', () => {
    // yaml: a pure parser (no I/O, no dependencies of its own) for compose and Kubernetes files, as smol-toml is for TOML.
    const allowed = new Set(['smol-toml', 'semver', 'ae-cvss-calculator', 'yaml']);
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

  it('lets adapters import core and the shared helpers (HTTP client, git checkout, GitHub/GitLab API replies and files), never each other, app, handlers or cli', () => {
    const shared = new Set(['functions/adapters/http-client.ts', 'functions/adapters/git-checkout.ts', 'functions/adapters/forge-api.ts', 'functions/adapters/forge-files.ts']);
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

  it('names the files of every import cycle it is shown, and nothing for imports without one', () => {
    const imports = (edges: string[]): Import[] =>
      edges.map((edge) => {
        const [file, target] = edge.split(' -> ') as [string, string];
        return { file, specifier: `./${target}`, target };
      });
    expect(importCycles(imports(['a.ts -> b.ts', 'b.ts -> c.ts', 'c.ts -> a.ts', 'c.ts -> d.ts', 'd.ts -> e.ts', 'e.ts -> d.ts', 'f.ts -> f.ts']))).toEqual([
      'a.ts → b.ts → c.ts → a.ts',
      'd.ts → e.ts → d.ts',
      'f.ts → f.ts',
    ]);
    expect(importCycles(imports(['a.ts -> b.ts', 'a.ts -> c.ts', 'b.ts -> c.ts', 'c.ts -> d.ts']))).toEqual([]);
  });

  it('has no import cycle in functions/ or the site', () => {
    expect(importCycles([...all, ...sourceFiles('site').flatMap(importsOf)])).toEqual([]);
  });

  it('lets the site import only result types and pure helpers from core', () => {
    const breaches = sourceFiles('site')
      .flatMap(importsOf)
      .filter((i) => i.target?.startsWith('functions/') && layer(i.target) !== 'core')
      .map((i) => `${i.file} imports ${i.specifier}`);
    expect(breaches).toEqual([]);
  });
});
