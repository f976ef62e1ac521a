import { describe, expect, it } from 'vitest';
import { BenchTable, formatNumber, PEAK_RSS, SECOND_RUN } from './bench-table.ts';

describe('formatNumber', () => {
  it.each([
    [0.04321, '0.043'],
    [5.004, '5.00'],
    [74.84, '74.8'],
    [2001.4, '2,001'],
    [1, '1'],
    [0, '0'],
  ])('writes %d as %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
});

describe('BenchTable', () => {
  it('marks a figure over its target as missed and one at its target as met', () => {
    const table = new BenchTable();
    const section = table.section('Index fetch');
    section.figure('first run', 3000, 'ms', { max: 3000, from: 'issue 3' });
    section.figure('second run', 3001, 'ms', { max: 3000, from: 'issue 3' });
    expect(table.figures.map((f) => f.met)).toEqual([true, false]);
    expect(table.missed.map((f) => f.name)).toEqual(['second run']);
    const lines = table.render().split('\n');
    expect(lines.find((l) => l.includes('first run'))).toMatch(/\| +3,000 ms \| ≤ 3,000 ms \(issue 3\) +\|$/);
    expect(lines.find((l) => l.includes('second run'))).toMatch(/\| +3,001 ms \| ≤ 3,000 ms \(issue 3\) \*\*MISSED\*\* \|$/);
  });

  it('renders the second-run and peak-RSS sections last, whenever their figures were recorded', () => {
    const table = new BenchTable();
    table.section(PEAK_RSS).figure('audit process', 129, 'MB');
    table.section(SECOND_RUN).figure('index client: bytes, % of the first run', 5.88, '%');
    table.section('Pipeline').figure('1 repository: first run', 0.96, 's');
    table.section('Cloud').text('outcomes', '100 failing');
    const sections = table
      .render()
      .split('\n')
      .filter((l) => l.startsWith('| **'))
      .map((l) => /\*\*(.*)\*\*/.exec(l)?.[1]);
    expect(sections).toEqual(['Pipeline', 'Cloud', SECOND_RUN, PEAK_RSS]);
  });

  it('keeps a text figure as written, without a unit, and gives every row the same width', () => {
    const table = new BenchTable();
    table.section('Cloud').text('outcomes', '100 failing, 2 error');
    table.section('Cloud').figure('prepare', 0.325, 's');
    const lines = table.render().split('\n');
    expect(lines.find((l) => l.includes('outcomes'))).toContain('| 100 failing, 2 error |');
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(table.toJSON().figures).toEqual([
      { section: 'Cloud', name: 'outcomes', value: '100 failing, 2 error', unit: '' },
      { section: 'Cloud', name: 'prepare', value: 0.325, unit: 's' },
    ]);
  });

  it('writes a text longer than 30 characters beside the name, leaving the value cell empty', () => {
    const table = new BenchTable();
    table.section('Cloud').text('note: a Map item failed', 'repo-7: the index at http://127.0.0.1:1/ did not answer');
    table.section('Cloud').text('Map outcomes', '100 failing');
    const lines = table.render().split('\n');
    expect(lines.find((l) => l.includes('repo-7'))).toMatch(/^\| note: a Map item failed: repo-7: the index at http:\/\/127\.0\.0\.1:1\/ did not answer \| +\| +\|$/);
    expect(lines.find((l) => l.includes('Map outcomes'))).toMatch(/\| +100 failing \|/);
  });

  it('calls onFigure with each figure as it is recorded', () => {
    const table = new BenchTable();
    const seen: string[] = [];
    table.onFigure = (f) => seen.push(`${f.section}/${f.name}`);
    table.section('A').figure('x', 1, 'ms');
    table.section('B').text('y', 'z');
    expect(seen).toEqual(['A/x', 'B/y']);
  });
});
