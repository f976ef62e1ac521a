import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRustToolchain, parseToolchainName } from '../../../functions/core/rust-toolchain.ts';
import { ToolchainFileError } from '../../../functions/core/toolchain-files.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/toolchains/${name}`, import.meta.url), 'utf8');

describe('parseToolchainName', () => {
  it.each([
    ['1.75', { kind: 'version', version: '1.75', date: null, host: null }],
    ['1.75.0', { kind: 'version', version: '1.75.0', date: null, host: null }],
    ['1.75.0-x86_64-unknown-linux-gnu', { kind: 'version', version: '1.75.0', date: null, host: 'x86_64-unknown-linux-gnu' }],
    ['stable', { kind: 'stable', version: null, date: null, host: null }],
    ['beta', { kind: 'beta', version: null, date: null, host: null }],
    ['nightly', { kind: 'nightly', version: null, date: null, host: null }],
    ['nightly-2024-01-01', { kind: 'nightly', version: null, date: '2024-01-01', host: null }],
    ['beta-2024-02-01-aarch64-apple-darwin', { kind: 'beta', version: null, date: '2024-02-01', host: 'aarch64-apple-darwin' }],
    ['nightly-2024-02-30', { kind: 'custom', version: null, date: null, host: null }],
    ['1.75.0-2024-01-01', { kind: 'custom', version: null, date: null, host: null }],
    ['my-local-build', { kind: 'custom', version: null, date: null, host: null }],
  ])('reads %s', (name, expected) => {
    expect(parseToolchainName(name)).toEqual(expected);
  });

  it('reads a long hostile name without backtracking', () => {
    expect(parseToolchainName(`nightly-${'a-'.repeat(90)}!`).kind).toBe('custom');
  });
});

describe('parseRustToolchain', () => {
  it('reads the channel of rust-toolchain.toml with the line and column of its value', () => {
    expect(parseRustToolchain(fixture('rust-toolchain.toml'), 'rust-toolchain.toml')).toEqual({
      file: 'rust-toolchain.toml',
      format: 'toml',
      value: '1.75.0',
      channel: { kind: 'version', version: '1.75.0', date: null, host: null },
      line: 3,
      column: 12,
    });
  });

  it('reads the legacy one-line file', () => {
    expect(parseRustToolchain(fixture('rust-toolchain'), 'rust-toolchain')).toEqual({
      file: 'rust-toolchain',
      format: 'legacy',
      value: 'nightly-2024-01-01',
      channel: { kind: 'nightly', version: null, date: '2024-01-01', host: null },
      line: 1,
      column: 1,
    });
  });

  it('reads TOML written in a file named rust-toolchain, as rustup does', () => {
    const pin = parseRustToolchain('[toolchain]\nchannel = "stable"\n', 'sub/rust-toolchain');
    expect([pin.format, pin.channel.kind, pin.line]).toEqual(['toml', 'stable', 2]);
  });

  it('reads a `path` toolchain as custom', () => {
    const pin = parseRustToolchain("[toolchain]\npath = '/opt/rust'\n", 'rust-toolchain.toml');
    expect([pin.value, pin.channel.kind, pin.line, pin.column]).toEqual(['/opt/rust', 'custom', 2, 9]);
  });

  it.each([
    ['', 'rust-toolchain', 'rust-toolchain:1: empty'],
    ['1.75 extra\n', 'rust-toolchain', 'rust-toolchain:1: not a toolchain name'],
    ['[toolchain]\ncomponents = ["clippy"]\n', 'rust-toolchain.toml', 'rust-toolchain.toml:1 (field `toolchain.channel`): `[toolchain]` has no `channel`'],
    ['[toolchain]\nchannel = 1.75\n', 'rust-toolchain.toml', 'rust-toolchain.toml:2 (field `toolchain.channel`): `[toolchain]` `channel` is not a string'],
    ['channel = "1.75"\n', 'rust-toolchain.toml', 'rust-toolchain.toml:1 (field `toolchain`): no `[toolchain]` table'],
    ['[toolchain]\nchannel = "1.75\n', 'rust-toolchain.toml', 'rust-toolchain.toml:2:'],
  ])('refuses %j in %s with %s', (text, file, message) => {
    expect(() => parseRustToolchain(text, file)).toThrow(ToolchainFileError);
    expect(() => parseRustToolchain(text, file)).toThrow(message);
  });
});
