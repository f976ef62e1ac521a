import { describe, expect, it } from 'vitest';
import { classifyToolchainFile, isToolchainFile } from '../../../functions/core/toolchain-files.ts';

describe('classifyToolchainFile', () => {
  it.each([
    ['rust-toolchain', 'rust-toolchain'],
    ['rust-toolchain.toml', 'rust-toolchain'],
    ['tools/rust-toolchain.toml', 'rust-toolchain'],
    ['Cargo.toml', 'cargo-manifest'],
    ['crates/core/Cargo.toml', 'cargo-manifest'],
    ['Dockerfile', 'dockerfile'],
    ['docker/Dockerfile.dev', 'dockerfile'],
    ['api.Dockerfile', 'dockerfile'],
    ['dockerfile', 'dockerfile'],
    ['Containerfile', 'dockerfile'],
    ['docker-compose.yml', 'compose'],
    ['compose.yaml', 'compose'],
    ['docker-compose.override.yml', 'compose'],
    ['deploy/compose.prod.yaml', 'compose'],
    ['k8s/app.yaml', 'kubernetes'],
    ['deploy/k8s/cronjob.yml', 'kubernetes'],
    ['kubernetes/base/deployment.yaml', 'kubernetes'],
    ['manifests/api.yaml', 'kubernetes'],
    ['charts/api/templates/deployment.yaml', null],
    ['.github/workflows/deploy/ci.yml', null],
    ['config.yaml', null],
    ['Dockerfile.md', null],
    ['docker/Dockerfile.j2', null],
    ['Cargo.lock', null],
    ['README.md', null],
  ])('classifies %s as %s', (path, kind) => {
    expect(classifyToolchainFile(path)).toBe(kind);
    expect(isToolchainFile(path)).toBe(kind !== null);
  });
});
