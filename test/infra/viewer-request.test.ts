// The CloudFront Function the site's distribution runs on every request, executed here as
// CloudFront would: the generated code, a viewer-request event, the returned request or response.
import { describe, expect, it } from 'vitest';
import { viewerRequestCode } from '../../infra/constructs/report-site.ts';

interface CloudFrontRequest {
  uri: string;
  method: string;
  headers: Record<string, { value: string }>;
  querystring: Record<string, { value: string }>;
}
type Result = CloudFrontRequest | { statusCode: number; headers: Record<string, { value: string }>; body?: { data: string } };

/** The handler CloudFront would call, built from the code the stack deploys. */
function load(allowCidrs: string[]): (event: unknown) => Result {
  return new Function(`${viewerRequestCode(allowCidrs)}\nreturn handler;`)() as (event: unknown) => Result;
}

/** A viewer-request event in CloudFront Functions' format (JavaScript runtime 2.0). */
function event(uri: string, ip = '198.51.100.7') {
  return {
    version: '1.0',
    context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'EXAMPLE' },
    viewer: { ip },
    request: { method: 'GET', uri, querystring: {}, headers: { host: { value: 'd111111abcdef8.cloudfront.net' } }, cookies: {} },
  };
}

describe('viewer-request function', () => {
  const open = load([]);

  it.each([
    ['/', '/index.html'],
    ['/repos/ripgrep/', '/repos/ripgrep/index.html'],
    ['/advisories/RUSTSEC-2024-0001/', '/advisories/RUSTSEC-2024-0001/index.html'],
    ['/_astro/Page.vSwj97oa.css', '/_astro/Page.vSwj97oa.css'],
    ['/badges/ripgrep.svg', '/badges/ripgrep.svg'],
    ['/feed.xml', '/feed.xml'],
    ['/repos/ripgrep/latest.json', '/repos/ripgrep/latest.json'],
  ])('asks the bucket for %s as %s', (uri, key) => {
    expect(open(event(uri))).toMatchObject({ uri: key });
  });

  it.each([
    ['/repos/ripgrep', '/repos/ripgrep/'],
    ['/crates', '/crates/'],
  ])('redirects %s to %s, the URL the site links to', (uri, location) => {
    expect(open(event(uri))).toEqual({ statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: location } } });
  });

  it('lets every viewer in when the allow-list is empty', () => {
    expect(open(event('/', '2001:db8:ffff::1'))).toMatchObject({ uri: '/index.html' });
  });

  const guarded = load(['203.0.113.0/24', '198.51.100.128/25', '2001:db8:abcd::/48', '192.0.2.10/32']);

  it.each([
    ['203.0.113.0', 'the first address of an IPv4 range'],
    ['203.0.113.255', 'the last address of an IPv4 range'],
    ['198.51.100.200', 'an address inside a /25'],
    ['192.0.2.10', 'a single allowed IPv4 address'],
    ['2001:db8:abcd::1', 'a compressed IPv6 address inside a /48'],
    ['2001:0db8:abcd:ffff:ffff:ffff:ffff:ffff', 'the last IPv6 address of a /48, written in full'],
    ['::ffff:203.0.113.9', 'an IPv4-mapped IPv6 address inside an IPv4 range'],
  ])('serves %s (%s)', (ip) => {
    expect(guarded(event('/repos/ripgrep/', ip))).toMatchObject({ uri: '/repos/ripgrep/index.html' });
  });

  it.each([
    ['203.0.112.255', 'the address just below an IPv4 range'],
    ['198.51.100.127', 'the address just below a /25'],
    ['192.0.2.11', 'the neighbour of a single allowed address'],
    ['2001:db8:abce::1', 'an IPv6 address in the next /48'],
    ['not-an-address', 'an address that does not parse'],
    ['1.2.3', 'an IPv4 address with three parts'],
    ['2001:db8::abcd::1', 'an IPv6 address with two "::"'],
  ])('refuses %s (%s) with a 403 that is never cached', (ip) => {
    expect(guarded(event('/', ip))).toEqual({
      statusCode: 403,
      statusDescription: 'Forbidden',
      headers: { 'content-type': { value: 'text/plain; charset=utf-8' }, 'cache-control': { value: 'no-store' } },
      body: { encoding: 'text', data: 'This report is only served to allowed networks.\n' },
    });
  });

  it('refuses before it redirects, so a refused viewer learns nothing about the paths', () => {
    expect(guarded(event('/repos/ripgrep', '8.8.8.8'))).toMatchObject({ statusCode: 403 });
  });

  it('stays under the 10 KB CloudFront Functions size limit with a long allow-list', () => {
    const cidrs = Array.from({ length: 100 }, (_, i) => `10.${i}.0.0/16`);
    expect(new TextEncoder().encode(viewerRequestCode(cidrs)).length).toBeLessThan(10 * 1024);
  });

  it('fails synth, naming allow_cidrs, when the allow-list would make the function too large', () => {
    const cidrs = Array.from({ length: 600 }, (_, i) => `10.${i % 256}.${Math.floor(i / 256)}.0/24`);
    expect(() => viewerRequestCode(cidrs)).toThrow(/\[site\] allow_cidrs has 600 ranges, .* over CloudFront's 10240: merge ranges, or put a WAF IP set/);
  });
});
