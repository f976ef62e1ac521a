import { describe, expect, it } from 'vitest';
import { atLeast, scoreCvss, severityOfScore } from '../../../functions/core/severity.ts';

describe('scoreCvss', () => {
  it.each([
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '3.1', 9.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N', '3.1', 5.3],
    ['CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:L', '3.0', 3.7],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', '3.1', 10],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', '4.0', 9.3],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N', '4.0', 6.9],
  ])('scores %s as v%s base %d', (vector, version, score) => {
    expect(scoreCvss(vector)).toEqual({ vector, version, score });
  });

  it.each([
    ['CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P', 'not a CVSS v3.0'],
    ['AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'not a CVSS v3.0'],
    ['CVSS:3.1/AV:N/AC:L', 'lacks the base metric'],
    ['CVSS:4.0/AV:N', 'lacks the base metric'],
    ['CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'AV'],
  ])('rejects %s', (vector, message) => {
    expect(() => scoreCvss(vector)).toThrow(message);
  });
});

describe('severityOfScore', () => {
  it.each([
    [10, 'critical'],
    [9.0, 'critical'],
    [8.9, 'high'],
    [7.0, 'high'],
    [6.9, 'medium'],
    [4.0, 'medium'],
    [3.9, 'low'],
    [0.1, 'low'],
    [0, 'informational'],
  ])('rates %d as %s', (score, severity) => {
    expect(severityOfScore(score)).toBe(severity);
  });

  it('orders severities for thresholds', () => {
    expect(atLeast('critical', 'high')).toBe(true);
    expect(atLeast('high', 'high')).toBe(true);
    expect(atLeast('unscored', 'low')).toBe(false);
  });
});
