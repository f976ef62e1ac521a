import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChannelManifestError, checkRustRelease, parseStableChannel, releasesSince } from '../../../functions/core/rust-releases.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/toolchains/${name}`, import.meta.url), 'utf8');

describe('checkRustRelease against 1.95.0 with at most 6 releases behind', () => {
  it.each([
    ['1.75', 20, true, false, '1.95'],
    ['1.75.0', 20, true, false, '1.95.0'],
    ['1.75-alpine', 20, true, false, '1.95-alpine'],
    ['1.75.0-slim-bookworm', 20, true, false, '1.95.0-slim-bookworm'],
    ['1.89', 6, false, false, '1.95'],
    ['1.88', 7, true, false, '1.95'],
    ['1.95', 0, false, false, null],
    ['1.95.0-alpine', 0, false, false, null],
    ['1.96', 0, false, true, null],
  ])('%s is %d releases behind (flagged %s, ahead %s), new value %s', (pinned, behind, flagged, ahead, newValue) => {
    expect(checkRustRelease(pinned, '1.95.0', 6)).toEqual({ kind: 'checked', current: pinned, latest: '1.95.0', behind, flagged, ahead, newValue });
  });

  it('offers the newer patch release of the same minor without flagging it', () => {
    expect(checkRustRelease('1.95.0', '1.95.1', 0)).toMatchObject({ behind: 0, flagged: false, newValue: '1.95.1' });
    expect(checkRustRelease('1.95', '1.95.1', 0)).toMatchObject({ behind: 0, newValue: null });
  });

  it.each([
    ['latest', '`latest` is not a version: nothing pinned to compare'],
    ['slim', '`slim` is not a version: nothing pinned to compare'],
    ['1-alpine', '`1-alpine` follows the newest 1.x release: nothing pinned to compare'],
    ['1', '`1` follows the newest 1.x release: nothing pinned to compare'],
    ['1.75beta', '`1.75beta` is not a version: nothing pinned to compare'],
    ['2.0', '`2.0` is not on the 1.x line of the latest stable 1.95.0'],
  ])('does not check %s: %s', (pinned, reason) => {
    expect(checkRustRelease(pinned, '1.95.0', 6)).toEqual({ kind: 'not-a-version', current: pinned, reason });
  });
});

describe('releasesSince', () => {
  it.each([
    ['2024-01-01', 19],
    ['2026-03-06', 0],
    ['2026-03-05', 1],
    ['2027-01-01', 0],
    ['not-a-date', null],
  ])('counts whole six-week cycles from %s to 2026-04-16: %s', (date, expected) => {
    expect(releasesSince(date, { version: '1.95.0', date: '2026-04-16' })).toBe(expected);
  });
});

describe('parseStableChannel', () => {
  it('reads the version of [pkg.rust], not of another package, and the top-level date', () => {
    expect(parseStableChannel(fixture('channel-rust-stable.toml'), 'channel-rust-stable.toml')).toEqual({ version: '1.95.0', date: '2026-04-16' });
  });

  it.each([
    ['date = "2026-04-16"\n[pkg.cargo]\nversion = "1.95.0 (x 2026-04-10)"\n', 'https://x/channel.toml (field `pkg.rust.version`): no `[pkg.rust] version`'],
    ['date = "2026-04-16"\n[pkg.rust]\nversion = "unknown"\n', 'https://x/channel.toml:3 (field `pkg.rust.version`): `[pkg.rust] version = "unknown"` does not start with a release'],
    ['[pkg.rust]\nversion = "1.95.0 (x 2026-04-14)"\n', 'https://x/channel.toml (field `date`): no top-level `date`'],
    ['date = "April"\n[pkg.rust]\nversion = "1.95.0 (x 2026-04-14)"\n', 'https://x/channel.toml:1 (field `date`): `date = "April"` is not a date'],
    ['<html>not found</html>', 'no `[pkg.rust] version`'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseStableChannel(text, 'https://x/channel.toml')).toThrow(ChannelManifestError);
    expect(() => parseStableChannel(text, 'https://x/channel.toml')).toThrow(message);
  });
});
