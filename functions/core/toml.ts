// TOML parsing for every input file, turning smol-toml's syntax errors into the caller's
// located error so each file type reports "file:line:column: not valid TOML: …".
import { parse, TomlError } from 'smol-toml';
import type { LocatedError, SourceLocation } from './errors.ts';

/**
 * Parses `text`; on a syntax error throws `makeError(message, location)`.
 * `lineOffset` is added to line numbers when the TOML sits inside a larger file.
 */
export function parseTomlIn(
  text: string,
  file: string,
  makeError: (message: string, location: SourceLocation, options: { cause: unknown }) => LocatedError,
  lineOffset = 0,
): Record<string, unknown> {
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = error.message.split('\n', 1)[0] ?? 'invalid TOML';
    throw makeError(`not valid TOML: ${reason}`, { file, line: error.line + lineOffset, column: error.column }, { cause: error });
  }
}
