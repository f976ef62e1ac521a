// useEnvProxy: the proxy variables are applied through Node's own setGlobalProxyFromEnv where
// the running Node has it, left to Node where it already applies them, and said to be ignored
// (never silently, never echoing a password) where it can do neither.
import { describe, expect, it } from 'vitest';
import { useEnvProxy, type ProxyApi } from '../../../functions/cli/env-proxy.ts';
import { UsageError } from '../../../functions/cli/usage-error.ts';

/** A stand-in for `node:http` that records the environments it was asked to apply. */
function recordingApi(): { api: ProxyApi; applied: NodeJS.ProcessEnv[] } {
  const applied: NodeJS.ProcessEnv[] = [];
  return { api: { setGlobalProxyFromEnv: (env) => (applied.push(env), () => undefined) }, applied };
}

describe('useEnvProxy', () => {
  it('does nothing when no proxy variable is set (NO_PROXY alone included)', () => {
    const { api, applied } = recordingApi();
    expect(useEnvProxy({ NO_PROXY: 'localhost', PATH: '/usr/bin' }, { api, execArgv: [] })).toEqual({ via: 'none', warning: null });
    expect(applied).toEqual([]);
  });

  it.each([
    ['HTTPS_PROXY', { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: '127.0.0.1,localhost' }],
    ['http_proxy', { http_proxy: 'http://proxy.corp:3128' }],
  ])('applies %s through setGlobalProxyFromEnv with the whole environment, NO_PROXY included', (_name, env) => {
    const { api, applied } = recordingApi();
    expect(useEnvProxy(env, { api, execArgv: [] })).toEqual({ via: 'cratewatch', warning: null });
    expect(applied).toEqual([env]);
  });

  it.each([
    ['NODE_USE_ENV_PROXY=1', { HTTPS_PROXY: 'http://proxy.corp:3128', NODE_USE_ENV_PROXY: '1' }, []],
    ['--use-env-proxy', { HTTPS_PROXY: 'http://proxy.corp:3128' }, ['--use-env-proxy']],
  ])('leaves the variables to Node when it was started with %s', (_how, env, execArgv) => {
    const { api, applied } = recordingApi();
    expect(useEnvProxy(env, { api, execArgv })).toEqual({ via: 'node', warning: null });
    expect(applied).toEqual([]);
  });

  it('warns, naming the variables and what to do but not the password, on a Node without setGlobalProxyFromEnv', () => {
    const result = useEnvProxy({ HTTPS_PROXY: 'http://me:s3cret@proxy.corp:3128', HTTP_PROXY: 'http://proxy.corp:3128' }, { api: {}, execArgv: [], nodeVersion: 'v22.20.0' });
    expect(result).toEqual({
      via: 'unsupported',
      warning: 'HTTPS_PROXY and HTTP_PROXY are set, but Node v22.20.0 cannot apply proxy settings from inside cratewatch, so requests go out directly: run with NODE_USE_ENV_PROXY=1 (Node 22.21 or later) or use Node 24',
    });
    expect(result.warning).not.toContain('s3cret');
  });

  it.each([
    ['not a URL', { HTTPS_PROXY: 'proxy.corp 3128' }, 'HTTPS_PROXY is not a URL: set it to http://HOST:PORT (or unset it)'],
    ['another scheme', { http_proxy: 'socks5://proxy.corp:1080' }, 'http_proxy has the scheme socks5: where http: or https: was expected: set it to http://HOST:PORT'],
  ])('refuses a proxy variable that is %s with a UsageError naming it', (_what, env, message) => {
    const { api, applied } = recordingApi();
    expect(() => useEnvProxy(env, { api, execArgv: [] })).toThrow(new UsageError(message));
    expect(applied).toEqual([]);
  });
});
