// The worker thread the fuzz tests parse in, so that an input that makes a parser hang can be
// stopped (the thread is terminated) instead of hanging the test run. It answers each request
// with what the parser did: a summary of its result, the project's typed error (name, message,
// location), or any other exception with its stack.
import { parentPort } from 'node:worker_threads';
import { buildAdvisoryDb, parseAdvisory } from '../../functions/core/advisory.ts';
import { ConfigErrors, loadConfig } from '../../functions/app/config.ts';
import { AdvisoryParseError, ConfigError, LockfileParseError, type SourceLocation } from '../../functions/core/errors.ts';
import { parseLockfile } from '../../functions/core/lockfile.ts';
import { parseManifest } from '../../functions/core/manifest.ts';
import { IndexParseError, parseIndexFile } from '../../functions/core/sparse-index.ts';
import type { ParseOutcome, ParseRequest } from './bounded-parse.ts';

/** Runs one parser and reduces its result to plain data the test can check against the input. */
function run(request: ParseRequest): unknown {
  const { parser, text, name } = request;
  switch (parser) {
    case 'lockfile': {
      const lockfile = parseLockfile(text, name);
      return {
        format: lockfile.format,
        packages: lockfile.packages.map((p) => [p.name, p.version, p.source?.raw ?? null]),
        dependencies: lockfile.packages.map((p) => p.dependencies),
        warnings: lockfile.warnings.map((w) => w.message),
      };
    }
    case 'manifest':
      return parseManifest(text, name);
    case 'advisory': {
      const advisory = parseAdvisory(text, name);
      return { id: advisory.id, package: advisory.package, date: advisory.date, title: advisory.title, patched: advisory.patched };
    }
    case 'advisory-db': {
      const files = JSON.parse(text) as { path: string; text: string }[];
      const db = buildAdvisoryDb(files, 'fuzz');
      return { advisoryCount: db.advisoryCount, diagnostics: db.diagnostics.map((d) => d.path) };
    }
    case 'index':
      return parseIndexFile(text, name);
    case 'config': {
      const config = loadConfig(text, name, {});
      return { repositories: config.repositories.map((r) => r.name), maxFileBytes: config.maxFileBytes };
    }
  }
}

/** The error types each parser documents; anything else thrown is a bug. */
function typedError(error: unknown): ParseOutcome | undefined {
  const located = (e: { name: string; message: string; location: SourceLocation }): ParseOutcome => ({ kind: 'typed', error: e.name, message: e.message, locations: [e.location] });
  if (error instanceof LockfileParseError || error instanceof AdvisoryParseError || error instanceof ConfigError) return located(error);
  if (error instanceof ConfigErrors) return { kind: 'typed', error: error.name, message: error.message, locations: error.problems.map((p) => p.location) };
  if (error instanceof IndexParseError) return { kind: 'typed', error: error.name, message: error.message, locations: [{ file: error.crate, line: error.line }] };
  return undefined;
}

parentPort!.on('message', (request: ParseRequest & { id: number }) => {
  let outcome: ParseOutcome;
  try {
    outcome = { kind: 'result', value: run(request) };
  } catch (error) {
    outcome = typedError(error) ?? {
      kind: 'untyped',
      error: error instanceof Error ? error.name : typeof error,
      message: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? (error.stack ?? '') : '',
    };
  }
  parentPort!.postMessage({ id: request.id, outcome });
});
