import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findComposeImages, findKubernetesImages, type ImageUse } from '../../../functions/core/image-refs.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/toolchains/${name}`, import.meta.url), 'utf8');
const brief = (use: ImageUse) => ({ line: use.line, column: use.column, tagColumn: use.tagColumn, where: use.where, resolved: use.resolved, image: use.reference && `${use.reference.registry}/${use.reference.repository}:${use.reference.tag}`, problem: use.problem });

describe('findComposeImages', () => {
  it('lists every service image with its line, substituting defaults and naming variables without one', () => {
    expect(findComposeImages(fixture('compose.yaml'), 'compose.yaml').map(brief)).toEqual([
      { line: 4, column: 12, tagColumn: 21, where: 'services.db.image', resolved: 'postgres:16.0-alpine', image: 'docker.io/library/postgres:16.0-alpine', problem: null },
      { line: 8, column: 12, tagColumn: 19, where: 'services.cache.image', resolved: 'redis:7.2.4-bookworm', image: 'docker.io/library/redis:7.2.4-bookworm', problem: null },
      { line: 12, column: 12, tagColumn: null, where: 'services.proxy.image', resolved: '', image: null, problem: 'uses ${PROXY_IMAGE} without a default: set at deploy time' },
      { line: 14, column: 12, tagColumn: 35, where: 'services.queue.image', resolved: 'rabbitmq:3.12-management', image: 'docker.io/library/rabbitmq:3.12-management', problem: null },
      { line: 16, column: 12, tagColumn: 18, where: 'services.web.image', resolved: 'nginx:latest', image: 'docker.io/library/nginx:latest', problem: null },
      { line: 18, column: 12, tagColumn: 17, where: 'services.toolbox.image', resolved: 'rust:1.80-slim', image: 'docker.io/library/rust:1.80-slim', problem: null },
    ]);
  });

  it('reports an image that is not a reference as a problem, not an exception', () => {
    const [use] = findComposeImages('services:\n  a:\n    image: "Bad:Name"\n', 'compose.yaml');
    expect(use!.problem).toBe('"Bad:Name" is not an image reference: repository names must be lower case');
  });

  it('refuses a file that is not YAML, naming the line', () => {
    expect(() => findComposeImages('services:\n  db:\n    image: [postgres\n', 'compose.yaml')).toThrow(/^compose\.yaml:4(:\d+)?: not valid YAML: /);
  });

  it('does not expand aliases (no billion laughs)', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`), 'services:\n  s:\n    image: *m'].join('\n');
    expect(findComposeImages(bomb, 'compose.yaml')).toEqual([]);
  });
});

describe('findKubernetesImages', () => {
  it('lists the images of every container list in every manifest document, skipping documents that are not manifests', () => {
    expect(findKubernetesImages(fixture('k8s/app.yaml'), 'k8s/app.yaml').map(brief)).toEqual([
      { line: 11, column: 18, tagColumn: 42, where: 'Deployment/api spec.template.spec.initContainers[0].image', resolved: 'ghcr.io/example/migrate:2.3.1', image: 'ghcr.io/example/migrate:2.3.1', problem: null },
      { line: 14, column: 18, tagColumn: 53, where: 'Deployment/api spec.template.spec.containers[0].image', resolved: 'registry.example.com:5000/team/api:1.4.0', image: 'registry.example.com:5000/team/api:1.4.0', problem: null },
      { line: 16, column: 18, tagColumn: 36, where: 'Deployment/api spec.template.spec.containers[1].image', resolved: 'envoyproxy/envoy:v1.29.1', image: 'docker.io/envoyproxy/envoy:v1.29.1', problem: null },
      { line: 37, column: 22, tagColumn: 31, where: 'CronJob/backup spec.jobTemplate.spec.template.spec.containers[0].image', resolved: 'postgres:16.0-alpine', image: 'docker.io/library/postgres:16.0-alpine', problem: null },
    ]);
  });

  it('reads a Pod and the items of a List', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: Pod',
      '    metadata: {name: one}',
      '    spec:',
      '      ephemeralContainers: [{name: debug, image: "busybox:1.36"}]',
      '      containers:',
      '        - {name: main, image: alpine:3.19}',
    ].join('\n');
    expect(findKubernetesImages(text, 'k8s/list.yaml').map((u) => [u.line, u.where, u.resolved])).toEqual([
      [8, 'Pod/one spec.ephemeralContainers[0].image', 'busybox:1.36'],
      [10, 'Pod/one spec.containers[0].image', 'alpine:3.19'],
    ]);
  });

  it('refuses a document that is not YAML, naming its line', () => {
    expect(() => findKubernetesImages('apiVersion: v1\nkind: Pod\n---\nkind: [\n', 'k8s/x.yaml')).toThrow(/^k8s\/x\.yaml:5(:\d+)?: not valid YAML/);
  });
});
