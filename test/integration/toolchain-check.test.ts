import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRegistryTagSource } from '../../functions/adapters/docker-registry.ts';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { RustChannelSource } from '../../functions/adapters/rust-channel.ts';
import { checkToolchains, type ToolchainReport } from '../../functions/app/toolchain-check.ts';
import type { RepoFile } from '../../functions/core/ports.ts';
import { startDockerRegistryServer, type DockerRegistryServer } from '../helpers/docker-registry-server.ts';
import { listenOnLoopback } from '../helpers/listen.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/toolchains/${name}`, import.meta.url), 'utf8');

const FILES: RepoFile[] = [
  { path: 'Dockerfile', text: fixture('Dockerfile') },
  { path: 'docker/api.Dockerfile', text: fixture('api.Dockerfile') },
  { path: 'compose.yaml', text: fixture('compose.yaml') },
  { path: 'deploy/k8s/app.yaml', text: fixture('k8s/app.yaml') },
  { path: 'rust-toolchain.toml', text: fixture('rust-toolchain.toml') },
  { path: 'tools/legacy/rust-toolchain', text: fixture('rust-toolchain') },
  { path: 'Cargo.toml', text: fixture('Cargo.toml') },
  { path: 'docker/Dockerfile.broken', text: 'FROM rust:1.75\nFROM\n' },
  { path: 'README.md', text: 'FROM rust:1.0\n' },
];

const REPOSITORIES: Record<string, string[]> = {
  // No `1.95.0-bookworm`: the newest tag of that variant is suggested instead.
  'library/rust': ['1.75-alpine', '1.75.0-bookworm', '1.76-slim-bookworm', '1.80-slim', '1.94.0-bookworm', '1.95-alpine', '1.95-slim', '1.95-slim-bookworm', '1.95-slim-trixie', 'latest'],
  'library/postgres': ['16.0-alpine', '16.1-alpine', '16.4-alpine', '17.0-alpine', '17.2-alpine', '17.2', 'latest'],
  'library/redis': ['7.2.4-bookworm', '7.2.5-bookworm', '7.4.0-bookworm', '7.4.0-alpine'],
  'library/rabbitmq': ['3.12-management', '3.13-management', '4.0-management'],
  'team/node': ['20.11.0-bookworm-slim', '20.11.1-bookworm-slim', '22.1.0-bookworm-slim'],
  'team/api': ['1.4.0'],
  'example/migrate': ['2.3.1', '2.3.2'],
  // envoyproxy/envoy is not there: the registry says 404.
};

let registry: DockerRegistryServer;
let channel: Server;
let channelUrl: string;

beforeAll(async () => {
  registry = await startDockerRegistryServer(REPOSITORIES);
  channel = createServer((req, res) => {
    if (req.url === '/dist/channel-rust-stable.toml') res.writeHead(200, { 'content-type': 'application/toml' }).end(fixture('channel-rust-stable.toml'));
    else res.writeHead(404).end();
  });
  channelUrl = `${await listenOnLoopback(channel)}/dist/channel-rust-stable.toml`;
});

afterAll(async () => {
  await registry.close();
  await new Promise<void>((resolve) => channel.close(() => resolve()));
});

function sources(rustUrl = channelUrl) {
  const http = new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 5_000, retries: 0 });
  const endpoints = { 'docker.io': registry.url, 'ghcr.io': registry.url, 'registry.example.com:5000': registry.url };
  return { rust: new RustChannelSource({ url: rustUrl, http }), tags: new DockerRegistryTagSource({ http, endpoints, pageSize: 3 }) };
}

describe('checkToolchains end to end', () => {
  let report: ToolchainReport;
  beforeAll(async () => {
    registry.requests.length = 0;
    report = await checkToolchains(FILES, sources(), { maxReleasesBehind: 6 });
  });

  it('compares every Rust pin with the latest stable, with the edit on the line that holds the version', () => {
    const rust = report.findings.filter((f) => f.kind !== 'base-image').map(({ kind, file, line, current, behind, flagged, newValue, edit }) => ({ kind, file, line, current, behind, flagged, newValue, edit }));
    expect(report.latestStable).toEqual({ version: '1.95.0', date: '2026-04-16' });
    expect(rust).toEqual([
      { kind: 'rust-image', file: 'Dockerfile', line: 9, current: '1.76-slim-bookworm', behind: 19, flagged: true, newValue: '1.95-slim-bookworm', edit: { line: 4, column: 18, old: '1.76', new: '1.95' } },
      { kind: 'rust-image', file: 'Dockerfile', line: 16, current: '1.75-alpine', behind: 20, flagged: true, newValue: '1.95-alpine', edit: { line: 16, column: 11, old: '1.75', new: '1.95' } },
      { kind: 'rust-image', file: 'docker/api.Dockerfile', line: 9, current: '1.75.0-bookworm', behind: 20, flagged: true, newValue: '1.94.0-bookworm', edit: { line: 9, column: 29, old: '1.75.0', new: '1.94.0' } },
      { kind: 'rust-image', file: 'compose.yaml', line: 18, current: '1.80-slim', behind: 15, flagged: true, newValue: '1.95-slim', edit: { line: 18, column: 17, old: '1.80', new: '1.95' } },
      { kind: 'rust-toolchain', file: 'rust-toolchain.toml', line: 3, current: '1.75.0', behind: 20, flagged: true, newValue: '1.95.0', edit: { line: 3, column: 12, old: '1.75.0', new: '1.95.0' } },
      { kind: 'rust-toolchain', file: 'tools/legacy/rust-toolchain', line: 1, current: 'nightly-2024-01-01', behind: 19, flagged: true, newValue: null, edit: null },
      { kind: 'rust-version', file: 'Cargo.toml', line: 7, current: '1.70', behind: 25, flagged: true, newValue: '1.95', edit: { line: 7, column: 17, old: '1.70', new: '1.95' } },
    ]);
    expect(report.findings.slice(0, 3).map((f) => f.message)).toEqual([
      'Dockerfile:9: rust:1.76-slim-bookworm is 19 releases behind the latest stable 1.95.0: use rust:1.95-slim-bookworm (set by ARG RUST_VERSION on line 4)',
      'Dockerfile:16: rust:1.75-alpine is 20 releases behind the latest stable 1.95.0: use rust:1.95-alpine',
      'docker/api.Dockerfile:9: rust:1.75.0-bookworm is 20 releases behind the latest stable 1.95.0: use rust:1.94.0-bookworm (docker.io has no tag `1.95.0-bookworm`; the newest with this variant is `1.94.0-bookworm`)',
    ]);
  });

  it('reports base images with a newer tag of the same variant as patch, minor or major updates, and the current ones as checked', () => {
    const images = report.findings.filter((f) => f.kind === 'base-image').map(({ file, line, image, current, update, flagged, newValue, edit }) => ({ file, line, image, current, update, flagged, newValue, edit }));
    expect(images).toEqual([
      { file: 'Dockerfile', line: 23, image: 'postgres', current: '16.0-alpine', update: 'major', flagged: true, newValue: '17.2-alpine', edit: { line: 26, column: 14, old: '16.0', new: '17.2' } },
      { file: 'docker/api.Dockerfile', line: 5, image: 'registry.example.com:5000/team/node', current: '20.11.0-bookworm-slim', update: 'major', flagged: true, newValue: '22.1.0-bookworm-slim', edit: { line: 4, column: 15, old: '20.11.0', new: '22.1.0' } },
      { file: 'compose.yaml', line: 4, image: 'postgres', current: '16.0-alpine', update: 'major', flagged: true, newValue: '17.2-alpine', edit: { line: 4, column: 21, old: '16.0', new: '17.2' } },
      { file: 'compose.yaml', line: 8, image: 'redis', current: '7.2.4-bookworm', update: 'minor', flagged: true, newValue: '7.4.0-bookworm', edit: { line: 8, column: 19, old: '7.2.4', new: '7.4.0' } },
      { file: 'compose.yaml', line: 14, image: 'rabbitmq', current: '3.12-management', update: 'major', flagged: true, newValue: '4.0-management', edit: { line: 14, column: 35, old: '3.12', new: '4.0' } },
      { file: 'deploy/k8s/app.yaml', line: 11, image: 'ghcr.io/example/migrate', current: '2.3.1', update: 'patch', flagged: true, newValue: '2.3.2', edit: { line: 11, column: 42, old: '2.3.1', new: '2.3.2' } },
      { file: 'deploy/k8s/app.yaml', line: 14, image: 'registry.example.com:5000/team/api', current: '1.4.0', update: null, flagged: false, newValue: null, edit: null },
      { file: 'deploy/k8s/app.yaml', line: 37, image: 'postgres', current: '16.0-alpine', update: 'major', flagged: true, newValue: '17.2-alpine', edit: { line: 37, column: 31, old: '16.0', new: '17.2' } },
    ]);
    expect(report.findings.find((f) => f.image === 'redis')!.message).toBe('compose.yaml:8: redis:7.2.4-bookworm → 7.4.0-bookworm (minor); smaller steps: 7.2.5-bookworm (patch)');
  });

  it('says why each pin it could not check was not checked, never calling it up to date', () => {
    expect(report.notChecked.map(({ file, line, reason }) => ({ file, line, reason: reason.replace(registry.url, 'REGISTRY') }))).toEqual([
      { file: 'Dockerfile', line: 29, reason: 'Dockerfile:29: `FROM ${BASE_REGISTRY}/runtime:1.0` uses $BASE_REGISTRY without a default (set with --build-arg): not checked' },
      { file: 'compose.yaml', line: 12, reason: 'compose.yaml:12: services.proxy.image: uses ${PROXY_IMAGE} without a default: set at deploy time' },
      { file: 'docker/Dockerfile.broken', line: 2, reason: 'docker/Dockerfile.broken:2: `FROM` without an image: write `FROM image[:tag] [AS name]`' },
      { file: 'Dockerfile', line: 31, reason: 'Dockerfile:31: gcr.io/distroless/cc-debian12:nonroot: tag `nonroot` is not a version: not checked' },
      { file: 'compose.yaml', line: 16, reason: 'compose.yaml:16: nginx:latest: tag `latest` is not a version: not checked' },
      {
        file: 'deploy/k8s/app.yaml',
        line: 16,
        reason: 'deploy/k8s/app.yaml:16: envoyproxy/envoy:v1.29.1: tags not checked: image "envoyproxy/envoy" on docker.io (REGISTRY): not found (HTTP 404): check the image name, or the registry hides it from anonymous users',
      },
    ]);
  });

  it('asks the registry once per repository, with one token per scope', () => {
    expect(registry.tokens.map((t) => t.scope)).toEqual([
      'repository:library/rust:pull',
      'repository:library/postgres:pull',
      'repository:team/node:pull',
      'repository:library/redis:pull',
      'repository:library/rabbitmq:pull',
      'repository:example/migrate:pull',
      'repository:team/api:pull',
      'repository:envoyproxy/envoy:pull',
    ]);
    // postgres is used three times (Dockerfile, compose, CronJob): one 401, then its three pages.
    expect(registry.requests.filter((r) => r.path === '/v2/library/postgres/tags/list').map((r) => r.status)).toEqual([401, 200, 200, 200]);
  });
});

describe('checkToolchains when the sources fail', () => {
  it('does not check Rust pins when the channel cannot be read, and says why for each', async () => {
    const files = FILES.filter((f) => f.path === 'rust-toolchain.toml' || f.path === 'Cargo.toml');
    const report = await checkToolchains(files, sources(`${channelUrl.replace('/dist/', '/missing/')}`), { maxReleasesBehind: 6 });
    expect(report.findings).toEqual([]);
    expect(report.latestStable).toBe(null);
    expect(report.notChecked.map((n) => [n.file, n.line, n.reason.replace(/http:\/\/127\.0\.0\.1:\d+/, 'CHANNEL')])).toEqual([
      ['rust-toolchain.toml', 3, 'rust-toolchain.toml:3: the latest stable Rust is not known: CHANNEL/missing/channel-rust-stable.toml: HTTP 404, expected 200 (check [sources] rust_channel)'],
      ['Cargo.toml', 7, 'Cargo.toml:7: the latest stable Rust is not known: CHANNEL/missing/channel-rust-stable.toml: HTTP 404, expected 200 (check [sources] rust_channel)'],
    ]);
  });

  it('does not check base images without a registry, and does not ask the channel for files without Rust pins', async () => {
    const http = new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 5_000, retries: 0 });
    const rust = new RustChannelSource({ url: channelUrl, http });
    const report = await checkToolchains([{ path: 'docker-compose.yml', text: 'services:\n  db:\n    image: postgres:16.0-alpine\n' }], { rust, tags: null }, { maxReleasesBehind: 6 });
    expect(report).toEqual({
      latestStable: null,
      findings: [],
      notChecked: [{ file: 'docker-compose.yml', line: 3, subject: 'services.db.image: postgres:16.0-alpine', reason: 'docker-compose.yml:3: postgres:16.0-alpine: no registry configured: not checked' }],
    });
    expect(rust.stats.requests).toBe(0);
  });
});
