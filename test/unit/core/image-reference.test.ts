import { describe, expect, it } from 'vitest';
import { familiarName, ImageReferenceError, isRustImage, parseImageReference } from '../../../functions/core/image-reference.ts';

describe('parseImageReference', () => {
  it.each([
    ['postgres', 'docker.io', 'library/postgres', null, null],
    ['postgres:16.0-alpine', 'docker.io', 'library/postgres', '16.0-alpine', null],
    ['bitnami/redis:7.2', 'docker.io', 'bitnami/redis', '7.2', null],
    ['docker.io/library/rust:1.75', 'docker.io', 'library/rust', '1.75', null],
    ['index.docker.io/library/rust:1.75', 'docker.io', 'library/rust', '1.75', null],
    ['docker.io/rust', 'docker.io', 'library/rust', null, null],
    ['ghcr.io/owner/app:v1.2.3', 'ghcr.io', 'owner/app', 'v1.2.3', null],
    ['quay.io/org/sub/image:latest', 'quay.io', 'org/sub/image', 'latest', null],
    ['localhost/app', 'localhost', 'app', null, null],
    ['localhost:5000/app:1.0', 'localhost:5000', 'app', '1.0', null],
    ['registry.example.com:5000/team/api:1.4.0', 'registry.example.com:5000', 'team/api', '1.4.0', null],
    ['[::1]:5000/app:2', '[::1]:5000', 'app', '2', null],
    ['Registry/app:1', 'Registry', 'app', '1', null],
    ['my_org/my-app__x.y:1', 'docker.io', 'my_org/my-app__x.y', '1', null],
    [`alpine@sha256:${'a'.repeat(64)}`, 'docker.io', 'library/alpine', null, `sha256:${'a'.repeat(64)}`],
    [`alpine:3.19@sha256:${'b'.repeat(64)}`, 'docker.io', 'library/alpine', '3.19', `sha256:${'b'.repeat(64)}`],
  ])('reads %s as registry %s, repository %s, tag %s', (text, registry, repository, tag, digest) => {
    expect(parseImageReference(text)).toMatchObject({ registry, repository, tag, digest });
  });

  it('gives the tag offset, after a registry port', () => {
    expect(parseImageReference('localhost:5000/app:1.0').tagOffset).toBe('localhost:5000/app:'.length);
    expect(parseImageReference('localhost:5000/app').tagOffset).toBe(null);
  });

  it.each([
    ['', 'it is empty'],
    ['Postgres:16', 'repository names must be lower case'],
    ['postgres:-x', 'is not a tag'],
    [`postgres:${'1'.repeat(129)}`, 'is not a tag'],
    ['postgres@sha256:abc', 'is not a digest'],
    ['postgres/', 'is not a repository path component'],
    ['foo--/bar', 'is not a repository path component'],
    ['bad_host.com:x/app', 'is not a registry host'],
    [':1.0', 'it has no repository name'],
    ['a'.repeat(600), 'longer than 512 characters'],
  ])('refuses %j: %s', (text, reason) => {
    expect(() => parseImageReference(text)).toThrow(ImageReferenceError);
    expect(() => parseImageReference(text)).toThrow(reason);
  });

  it('refuses a long hostile component without backtracking', () => {
    expect(() => parseImageReference(`${'a-'.repeat(120)}!`)).toThrow('is not a repository path component');
  });
});

describe('familiarName and isRustImage', () => {
  it.each([
    ['postgres:16', 'postgres', false],
    ['rust:1.75-alpine', 'rust', true],
    ['docker.io/library/rust', 'rust', true],
    ['rustlang/rust:nightly', 'rustlang/rust', false],
    ['ghcr.io/rust/rust:1.75', 'ghcr.io/rust/rust', false],
  ])('names %s %s (the official Rust image: %s)', (text, name, rust) => {
    const image = parseImageReference(text);
    expect(familiarName(image)).toBe(name);
    expect(isRustImage(image)).toBe(rust);
  });
});
