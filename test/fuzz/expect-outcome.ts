// The property every fuzzed parser shares: it returns, or throws one of its documented error
// types naming the input (and, where asked, a line inside it). A hang or any other exception
// fails with the damage that led to it, so the failure can be read without replaying it.
import { expect } from 'vitest';
import type { ParseOutcome } from './bounded-parse.ts';

export interface FuzzInput {
  text: string;
  /** What was done to the seed, for the failure message. */
  mutations?: string[];
}

export interface Expected {
  /** The name the parser was given; every error location must name it. */
  file: string;
  /** Error names the parser documents. */
  errors: readonly string[];
  /** Every location must carry a line (within the text). */
  lineRequired?: boolean;
}

export function expectReadOrTypedError(outcome: ParseOutcome, input: FuzzInput, expected: Expected): void {
  const context = `after ${input.mutations?.join('; ') ?? 'generation'}: ${JSON.stringify(input.text.length > 600 ? `${input.text.slice(0, 600)}…` : input.text)}`;
  if (outcome.kind === 'hang') expect.fail(`the parser did not answer within ${outcome.budgetMs} ms ${context}`);
  if (outcome.kind === 'untyped') expect.fail(`the parser threw ${outcome.error}: ${outcome.message} ${context}\n${outcome.stack}`);
  if (outcome.kind === 'result') return;
  expect(expected.errors, `unexpected error type ${outcome.error}: ${outcome.message} ${context}`).toContain(outcome.error);
  expect(outcome.locations.length, `${outcome.error} with no location ${context}`).toBeGreaterThan(0);
  const lineCount = input.text.split(/\r\n|\n|\r/).length;
  for (const location of outcome.locations) {
    expect(location.file, `${outcome.message} ${context}`).toBe(expected.file);
    if (location.line !== undefined || expected.lineRequired) {
      const line = location.line ?? 0;
      expect(line >= 1 && line <= lineCount, `line ${location.line} is not in the ${lineCount}-line input: ${outcome.message} ${context}`).toBe(true);
    }
  }
  expect(outcome.message.includes(expected.file), `the message does not say where: ${outcome.message}`).toBe(true);
}
