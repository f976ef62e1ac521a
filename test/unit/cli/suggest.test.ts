import { describe, expect, it } from 'vitest';
import { closestWord, editDistance, optionsInHelp } from '../../../functions/cli/suggest.ts';

describe('editDistance', () => {
  it.each([
    ['json', 'json', 0],
    ['jsn', 'json', 1],
    ['jsno', 'json', 1],
    ['ofline', 'offline', 1],
    ['target-so', 'target-os', 1],
    ['deny', 'db', 3],
  ])('is %#: %s → %s takes %i edits', (a, b, edits) => {
    expect(editDistance(a, b)).toBe(edits);
  });
});

describe('closestWord', () => {
  const options = ['--db', '--deny', '--json', '--offline', '--no-fetch', '--target-os', '--target-arch', '-d', '-D'];

  it.each([
    ['--jsn', '--json'],
    ['--ofline', '--offline'],
    ['--target-so', '--target-os'],
    ['--no-fetc', '--no-fetch'],
    ['--Json', '--json'],
  ])('suggests %s → %s', (typo, meant) => {
    expect(closestWord(typo, options)).toBe(meant);
  });

  it('suggests nothing for a word far from every option', () => {
    expect(closestWord('--frobnicate', options)).toBeUndefined();
  });

  it('suggests nothing for one-letter options, which say too little', () => {
    expect(closestWord('-x', options)).toBeUndefined();
  });

  it('suggests the one command a prefix extends', () => {
    expect(closestWord('inv', ['scan', 'report', 'audit', 'invoke'])).toBe('invoke');
  });
});

describe('optionsInHelp', () => {
  it('reads short and long options from a help text, and nothing from its prose', () => {
    const help = ['Usage: x [options]', '', 'Runs x --quickly.', 'Options:', '  -f, --file FILE   the file', '      --json        as JSON', '  --out DIR         where', '                    --not-an-option in prose'].join('\n');
    expect(optionsInHelp(help)).toEqual(['-f', '--file', '--json', '--out']);
  });
});
