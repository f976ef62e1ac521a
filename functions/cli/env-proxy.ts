// Honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their lowercase forms) for everything the
// `cratewatch` process sends, without the user setting NODE_USE_ENV_PROXY=1: called once at
// start-up, before the first request.
import { UsageError } from './usage-error.ts';

/** What a proxy set-up needs of `node:http`: `setGlobalProxyFromEnv` exists from Node 24.x on, not in Node 22. */
export interface ProxyApi {
  setGlobalProxyFromEnv?: (env: NodeJS.ProcessEnv) => () => void;
}

export interface EnvProxy {
  /**
   * none: no proxy variable is set; cratewatch: applied here (fetch and the http/https
   * agents); node: Node already applies them (NODE_USE_ENV_PROXY=1 or --use-env-proxy);
   * unsupported: set, but this Node cannot apply them from inside the process.
   */
  via: 'none' | 'cratewatch' | 'node' | 'unsupported';
  /** A line to print when the proxy settings will be ignored; null otherwise. */
  warning: string | null;
}

/** What the first call of the process did: later calls (each command may call it) change nothing and say nothing again. */
let applied: EnvProxy | undefined;

/** The proxy variables in the order Node and curl read them: the lowercase form wins. */
function proxyVariables(env: NodeJS.ProcessEnv): { name: string; value: string }[] {
  const found: { name: string; value: string }[] = [];
  for (const pair of [['https_proxy', 'HTTPS_PROXY'], ['http_proxy', 'HTTP_PROXY']] as const) {
    const name = pair.find((n) => (env[n] ?? '') !== '');
    if (name) found.push({ name, value: env[name]! });
  }
  return found;
}

/**
 * Routes the process's `fetch` and `http`/`https` global agents through the proxies the
 * environment names, skipping the hosts of NO_PROXY (loopback included when listed there).
 * Throws UsageError when a proxy variable is not a URL. Only the first call in a process
 * acts (and may warn); later ones return what it did, without the warning.
 *
 * @example
 *   const proxy = useEnvProxy(process.env);
 *   if (proxy.warning) process.stderr.write(`warning: ${proxy.warning}\n`);
 */
export function useEnvProxy(env: NodeJS.ProcessEnv, options: { api?: ProxyApi; execArgv?: readonly string[]; nodeVersion?: string } = {}): EnvProxy {
  // Tests pass their own api; the process's own set-up happens once.
  if (options.api === undefined) {
    if (applied) return { ...applied, warning: null };
    applied = setUpEnvProxy(env, options);
    return applied;
  }
  return setUpEnvProxy(env, options);
}

function setUpEnvProxy(env: NodeJS.ProcessEnv, options: { api?: ProxyApi; execArgv?: readonly string[]; nodeVersion?: string }): EnvProxy {
  const variables = proxyVariables(env);
  if (variables.length === 0) return { via: 'none', warning: null };
  for (const { name, value } of variables) {
    // Never echo the value: a proxy URL may carry a password.
    if (!URL.canParse(value)) throw new UsageError(`${name} is not a URL: set it to http://HOST:PORT (or unset it)`);
    const protocol = new URL(value).protocol;
    if (protocol !== 'http:' && protocol !== 'https:') throw new UsageError(`${name} has the scheme ${protocol} where http: or https: was expected: set it to http://HOST:PORT`);
  }
  const execArgv = options.execArgv ?? process.execArgv;
  if (env.NODE_USE_ENV_PROXY === '1' || execArgv.includes('--use-env-proxy')) return { via: 'node', warning: null };
  // Loaded only when a proxy is set: a namespace import of node:http would load Node's whole
  // bundled undici at start-up (~60 ms), which `cratewatch audit` has no use for.
  const api = options.api ?? (process.getBuiltinModule('node:http') as ProxyApi);
  if (typeof api.setGlobalProxyFromEnv === 'function') {
    api.setGlobalProxyFromEnv(env);
    return { via: 'cratewatch', warning: null };
  }
  // Node 22 reads the variables only at start-up (NODE_USE_ENV_PROXY=1, from 22.21 on); from
  // inside the process only the undici package's EnvHttpProxyAgent could still do it.
  const names = variables.map((v) => v.name).join(' and ');
  return {
    via: 'unsupported',
    warning: `${names} ${variables.length === 1 ? 'is' : 'are'} set, but Node ${options.nodeVersion ?? process.version} cannot apply proxy settings from inside cratewatch, so requests go out directly: run with NODE_USE_ENV_PROXY=1 (Node 22.21 or later) or use Node 24`,
  };
}
