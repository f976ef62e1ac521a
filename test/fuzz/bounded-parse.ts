// Runs the parsers under test in a worker thread with a time budget per input: a parse that
// has not answered within the budget is a hang, the worker is terminated and a fresh one
// takes the next input. The budget is generous (every input here parses in milliseconds);
// it exists only so that a hang fails the property instead of the whole run.
import { Worker } from 'node:worker_threads';
import type { SourceLocation } from '../../functions/core/errors.ts';

export type ParserName = 'lockfile' | 'manifest' | 'advisory' | 'advisory-db' | 'index' | 'config';

export interface ParseRequest {
  parser: ParserName;
  text: string;
  /** The file name the parser is given (for `index`, the crate name). */
  name: string;
}

export type ParseOutcome =
  | { kind: 'result'; value: unknown }
  /** One of the documented error types; `locations` are where it says the problems are. */
  | { kind: 'typed'; error: string; message: string; locations: SourceLocation[] }
  /** Anything else thrown: a bug. */
  | { kind: 'untyped'; error: string; message: string; stack: string }
  | { kind: 'hang'; budgetMs: number };

export const PARSE_BUDGET_MS = 5_000;
const WORKER = new URL('./parse-worker.ts', import.meta.url);

export interface BoundedParser {
  parse(parser: ParserName, text: string, name: string): Promise<ParseOutcome>;
  close(): Promise<void>;
}

/** Starts the worker; `close()` it in `afterAll`. */
export function startBoundedParser(budgetMs = PARSE_BUDGET_MS): BoundedParser {
  let worker: Worker | undefined;
  let next = 0;
  const pending = new Map<number, (outcome: ParseOutcome) => void>();
  const spawn = (): Worker => {
    const w = new Worker(WORKER);
    w.on('message', ({ id, outcome }: { id: number; outcome: ParseOutcome }) => {
      pending.get(id)?.(outcome);
      pending.delete(id);
    });
    w.on('error', (error) => {
      for (const [id, settle] of pending) {
        settle({ kind: 'untyped', error: error.name, message: `the parse worker died: ${error.message}`, stack: error.stack ?? '' });
        pending.delete(id);
      }
      if (worker === w) worker = undefined;
    });
    return w;
  };
  return {
    parse(parser, text, name) {
      worker ??= spawn();
      const current = worker;
      const id = next++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          if (worker === current) worker = undefined;
          void current.terminate();
          resolve({ kind: 'hang', budgetMs });
        }, budgetMs);
        pending.set(id, (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        });
        current.postMessage({ id, parser, text, name } satisfies ParseRequest & { id: number });
      });
    },
    async close() {
      await worker?.terminate();
      worker = undefined;
    },
  };
}
