import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDockerfile, writtenSpan, type DockerfileFrom } from '../../../functions/core/dockerfile.ts';
import { ToolchainFileError } from '../../../functions/core/toolchain-files.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/toolchains/${name}`, import.meta.url), 'utf8');

/** The parts of a FROM a test compares, without the per-character positions. */
function summary(from: DockerfileFrom) {
  const base = from.base.kind === 'image' ? { kind: 'image', registry: from.base.image.registry, repository: from.base.image.repository, tag: from.base.image.tag } : from.base;
  return { line: from.line, stage: from.stage, platform: from.platform, written: from.written, resolved: from.resolved, base };
}

describe('parseDockerfile on the multi-stage fixture', () => {
  const froms = parseDockerfile(fixture('Dockerfile'), 'Dockerfile').froms;

  it('finds every FROM, skipping the heredoc body, with ARG defaults substituted and stages recognised', () => {
    expect(froms.map(summary)).toEqual([
      { line: 9, stage: 'chef', platform: '$BUILDPLATFORM', written: 'rust:${RUST_VERSION}-slim-${DEBIAN}', resolved: 'rust:1.76-slim-bookworm', base: { kind: 'image', registry: 'docker.io', repository: 'library/rust', tag: '1.76-slim-bookworm' } },
      { line: 12, stage: 'planner', platform: null, written: 'chef', resolved: 'chef', base: { kind: 'stage', stage: 0 } },
      { line: 16, stage: 'build', platform: null, written: 'rust:1.75-alpine', resolved: 'rust:1.75-alpine', base: { kind: 'image', registry: 'docker.io', repository: 'library/rust', tag: '1.75-alpine' } },
      { line: 23, stage: 'db', platform: 'linux/amd64', written: 'postgres:16.0-alpine', resolved: 'postgres:16.0-alpine', base: { kind: 'image', registry: 'docker.io', repository: 'library/postgres', tag: '16.0-alpine' } },
      { line: 29, stage: 'from-build-arg', platform: null, written: '${BASE_REGISTRY}/runtime:1.0', resolved: '/runtime:1.0', base: { kind: 'unresolved', variables: ['BASE_REGISTRY'] } },
      { line: 31, stage: null, platform: null, written: 'gcr.io/distroless/cc-debian12:nonroot', resolved: 'gcr.io/distroless/cc-debian12:nonroot', base: { kind: 'image', registry: 'gcr.io', repository: 'distroless/cc-debian12', tag: 'nonroot' } },
      { line: 34, stage: 'empty', platform: null, written: 'scratch', resolved: 'scratch', base: { kind: 'scratch' } },
    ]);
  });

  it('places a tag that comes from an ARG default on the ARG line, through that ARG', () => {
    const chef = froms[0]!;
    const tagStart = 'rust:'.length;
    expect(writtenSpan(chef, tagStart, tagStart + '1.76'.length)).toEqual({ line: 4, column: 'ARG RUST_VERSION='.length + 1 });
    expect(chef.via[tagStart]).toBe('RUST_VERSION');
    // `1.76-slim-bookworm` is written in three places: no single edit changes it.
    expect(writtenSpan(chef, tagStart, chef.resolved.length)).toBe(null);
  });

  it('places a literal tag on its FROM line, also inside a continuation', () => {
    expect(writtenSpan(froms[2]!, 5, 9)).toEqual({ line: 16, column: 11 });
    expect(froms[2]!.via[5]).toBe(null);
    expect(writtenSpan(froms[3]!, 9, 13)).toEqual({ line: 26, column: 14 });
  });
});

describe('parseDockerfile on the backtick-escape fixture', () => {
  const froms = parseDockerfile(fixture('api.Dockerfile'), 'api.Dockerfile').froms;

  it('reads `# escape=`, quoted ARG defaults, a registry with a port and a digest', () => {
    expect(froms.map(summary)).toEqual([
      { line: 5, stage: 'web', platform: null, written: '${REGISTRY}/team/node:${NODE_TAG}-bookworm-slim', resolved: 'registry.example.com:5000/team/node:20.11.0-bookworm-slim', base: { kind: 'image', registry: 'registry.example.com:5000', repository: 'team/node', tag: '20.11.0-bookworm-slim' } },
      { line: 9, stage: null, platform: null, written: expect.stringContaining('docker.io/library/rust:1.75.0-bookworm@sha256:'), resolved: expect.stringContaining('@sha256:0123'), base: { kind: 'image', registry: 'docker.io', repository: 'library/rust', tag: '1.75.0-bookworm' } },
    ]);
  });

  it('places the quoted ARG default where its first character is written', () => {
    const web = froms[0]!;
    const tagStart = web.resolved.indexOf(':20.11.0') + 1;
    expect(writtenSpan(web, tagStart, tagStart + '20.11.0'.length)).toEqual({ line: 4, column: 'ARG NODE_TAG="'.length + 1 });
  });
});

describe('parseDockerfile variable forms', () => {
  const resolve = (text: string) => parseDockerfile(text, 'Dockerfile').froms.map((f) => (f.base.kind === 'unresolved' ? `unresolved ${f.base.variables.join(',')}` : f.resolved));

  it.each([
    ['ARG V=1.76\nFROM rust:$V', 'rust:1.76'],
    ['ARG V\nFROM rust:${V:-1.80}-slim', 'rust:1.80-slim'],
    ['ARG V=\nFROM rust:${V:-1.80}', 'rust:1.80'],
    ['ARG V=\nFROM rust:1.8${V-1}', 'rust:1.8'],
    ['ARG V=1\nFROM rust:1.8${V:+0}', 'rust:1.80'],
    ['ARG A=1 B=76\nARG T=${A}.${B}\nFROM rust:$T', 'rust:1.76'],
    ['ARG V=1.76\nFROM rust:\\$V', 'rust:$V is not valid'],
    ['FROM rust:${V}', 'unresolved V'],
    ['ARG V=1.76\nFROM alpine\nARG V=9\nFROM rust:$V', 'alpine;rust:1.76'],
    ['FROM --platform=$TARGETPLATFORM rust:1.76', 'rust:1.76'],
  ])('resolves %j to %s', (text, expected) => {
    if (expected.endsWith('is not valid')) {
      expect(() => resolve(text)).toThrow(ToolchainFileError);
      return;
    }
    expect(resolve(text).join(';')).toBe(expected);
  });

  it('reads continuation lines joined, with CRLF line ends', () => {
    const froms = parseDockerfile('FROM \\\r\n  rust:1.76 \\\r\n  AS build\r\n', 'Dockerfile').froms;
    expect(froms.map((f) => [f.line, f.resolved, f.stage])).toEqual([[1, 'rust:1.76', 'build']]);
    expect(writtenSpan(froms[0]!, 5, 9)).toEqual({ line: 2, column: 8 });
  });

  it('matches stage names without regard to case and only earlier stages', () => {
    const froms = parseDockerfile('FROM builder AS first\nFROM alpine:3.19 AS Builder\nFROM BUILDER\n', 'Dockerfile').froms;
    expect(froms.map((f) => f.base.kind)).toEqual(['image', 'image', 'stage']);
  });
});

describe('parseDockerfile errors', () => {
  it.each([
    ['FROM\n', 'Dockerfile:1: `FROM` without an image'],
    ['# comment only\n', 'Dockerfile:1: no `FROM` instruction'],
    ['\n\nFROM Rust:1.75\n', 'Dockerfile:3:6: `FROM Rust:1.75`: "Rust:1.75" is not an image reference: repository names must be lower case'],
    ['FROM rust:1.75 AS\n', 'Dockerfile:1: `FROM rust:1.75 AS`: expected `FROM image [AS name]`'],
    ['FROM --pull=always rust\n', 'Dockerfile:1: `FROM --pull=always`: unknown flag'],
    ['# escape=x\nFROM rust\n', 'Dockerfile:1: `# escape=x`: the escape character must be'],
  ])('refuses %j with a message naming the line', (text, message) => {
    expect(() => parseDockerfile(text, 'Dockerfile')).toThrow(message);
  });

  it('refuses a file over the size limit before reading it', () => {
    expect(() => parseDockerfile(`FROM rust\n${'#'.repeat(2 * 1024 * 1024)}`, 'Dockerfile')).toThrow('Dockerfile: larger than 1048576 bytes');
  });

  it('reads a long hostile line of dollars and braces in one pass', () => {
    const froms = parseDockerfile(`FROM alpine:3.19\nRUN ${'${'.repeat(50_000)}\nFROM ${'$'.repeat(10_000)}x\n`, 'Dockerfile').froms;
    expect(froms.length).toBe(2);
  });
});

describe('parseDockerfile heredocs', () => {
  it('skips heredoc bodies (several per line, `<<-` with tabs) and reads on after a `<<` that never closes', () => {
    const text = ['FROM alpine:3.19', 'RUN <<A <<-"B"', 'FROM a-body:1', 'A', 'FROM b-body:1', '\tB', 'RUN echo "1 <<NEVER"', 'FROM rust:1.76', ''].join('\n');
    expect(parseDockerfile(text, 'Dockerfile').froms.map((f) => [f.line, f.resolved])).toEqual([
      [1, 'alpine:3.19'],
      [8, 'rust:1.76'],
    ]);
  });

  it('reads on after thousands of heredoc words that never close', () => {
    const text = `FROM alpine\n${'RUN <<EOF\n'.repeat(19_000)}FROM rust:1.76\n`;
    expect(parseDockerfile(text, 'Dockerfile').froms.map((f) => f.resolved)).toEqual(['alpine', 'rust:1.76']);
  });
});
