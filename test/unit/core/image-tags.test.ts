import { describe, expect, it } from 'vitest';
import { findNewerTags, parseVersionTag } from '../../../functions/core/image-tags.ts';

describe('parseVersionTag', () => {
  it.each([
    ['16.0-alpine', { prefix: '', numbers: [16, 0], suffix: '-alpine' }],
    ['1.25.3-bookworm', { prefix: '', numbers: [1, 25, 3], suffix: '-bookworm' }],
    ['3.19', { prefix: '', numbers: [3, 19], suffix: '' }],
    ['v1.29.1', { prefix: 'v', numbers: [1, 29, 1], suffix: '' }],
    ['16-alpine3.19', { prefix: '', numbers: [16], suffix: '-alpine3.19' }],
    ['latest', null],
    ['alpine', null],
    ['1.2.3.4.5', null],
    ['3.13.0rc1', { prefix: '', numbers: [3, 13, 0], suffix: 'rc1' }],
  ])('reads %s', (tag, expected) => {
    expect(parseVersionTag(tag)).toEqual(expected);
  });
});

const POSTGRES = ['16.0-alpine', '16.1-alpine', '16.4-alpine', '16.4', '16.5-bookworm', '17.0-alpine', '17.2-alpine', '17-alpine', 'alpine', 'latest', '16.0-alpine3.19', '16.9-alpine3.20', '16.10-alpine'];

describe('findNewerTags', () => {
  it('finds newer tags of the same variant and precision, the newest per kind of update (major.minor)', () => {
    expect(findNewerTags('16.0-alpine', POSTGRES)).toEqual({
      kind: 'checked',
      current: '16.0-alpine',
      newest: '17.2-alpine',
      update: 'major',
      steps: { patch: null, minor: '16.10-alpine', major: '17.2-alpine' },
    });
  });

  it('calls a newer third part a patch for major.minor.patch tags', () => {
    expect(findNewerTags('1.25.3-bookworm', ['1.25.3-bookworm', '1.25.4-bookworm', '1.25.10-bookworm', '1.25.11-alpine', '1.25'])).toEqual({
      kind: 'checked',
      current: '1.25.3-bookworm',
      newest: '1.25.10-bookworm',
      update: 'patch',
      steps: { patch: '1.25.10-bookworm', minor: null, major: null },
    });
  });

  it('reports no update when the tag is the newest of its variant', () => {
    expect(findNewerTags('17.2-alpine', POSTGRES)).toEqual({ kind: 'checked', current: '17.2-alpine', newest: null, update: null, steps: { patch: null, minor: null, major: null } });
  });

  it('keeps the `v` prefix and a one-part major', () => {
    expect(findNewerTags('v1.29.1', ['v1.30.0', '1.31.0', 'v2.0.0-rc1'])).toMatchObject({ newest: 'v1.30.0', update: 'minor' });
    expect(findNewerTags('16-alpine', POSTGRES)).toMatchObject({ newest: '17-alpine', update: 'major' });
    expect(findNewerTags('3.19', ['3.18', '3.19', '3.20', '3.21', '3.21.0'])).toMatchObject({ newest: '3.21', update: 'minor' });
  });

  it.each(['latest', 'stable', 'alpine', 'nonroot'])('does not check %s: not a version (never "up to date")', (tag) => {
    expect(findNewerTags(tag, POSTGRES)).toEqual({ kind: 'not-a-version', current: tag, reason: `tag \`${tag}\` is not a version: not checked` });
  });
});
