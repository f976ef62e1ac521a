import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigErrors, filterRepositories, loadConfig, suggest } from '../../../functions/app/config.ts';
import { ConfigError } from '../../../functions/core/errors.ts';

const FILE = 'cratewatch.toml';
const EXAMPLE = new URL('../../../cratewatch.example.toml', import.meta.url);
const MINIMAL = '[[repositories]]\nname = "ripgrep"\ngithub = "BurntSushi/ripgrep"\n';

/** The ConfigErrors loadConfig throws for `text`. */
function problemsOf(text: string): ConfigErrors {
  try {
    loadConfig(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigErrors);
    return error as ConfigErrors;
  }
  throw new Error('expected loadConfig to throw');
}

function locations(text: string) {
  return problemsOf(text).problems.map((p) => p.location);
}

describe('loadConfig', () => {
  it('fills every default when the file lists only a repository', () => {
    const config = loadConfig(MINIMAL, FILE);
    expect(config).toEqual({
      file: FILE,
      repositories: [
        { name: 'ripgrep', location: { kind: 'github', repo: 'BurntSushi/ripgrep' }, ref: null, lockfiles: null, manifests: null, ignores: [], deny: [] },
      ],
      alerts: { threshold: 'critical', unscored: false, recipients: [] },
      schedule: { expression: 'rate(1 day)', timezone: 'UTC' },
      site: { url: null, domain: null, certificateArn: null, allowCidrs: [] },
      aws: { historyTransitionDays: 30, historyExpirationDays: 730 },
      sources: {
        advisoryDb: 'https://github.com/rustsec/advisory-db/archive/refs/heads/main.tar.gz',
        advisoryDbMaxAgeDays: 7,
        index: 'https://index.crates.io/',
        githubApi: 'https://api.github.com',
        gitlabApi: 'https://gitlab.com/api/v4',
        rustChannel: 'https://static.rust-lang.org/dist/channel-rust-stable.toml',
        registries: {},
      },
      toolchains: { maxReleasesBehind: 6, baseImages: true },
      tokens: { github: null, gitlab: null },
      concurrency: 4,
      indexConcurrency: 16,
      timeoutMs: 30_000,
      maxFileBytes: 10 * 1024 * 1024,
    });
  });

  it('reads every field', () => {
    const text = `concurrency = 8
index_concurrency = 32
timeout_seconds = 12
max_file_bytes = 2048

[sources]
advisory_db = "vendor/advisory-db.tar.gz"
advisory_db_max_age_days = 3
index = "http://127.0.0.1:8080/index/"
github_api = "https://github.example.com/api/v3"
gitlab_api = "https://gitlab.example.com/api/v4"
github_token = "gh-file"
gitlab_token = "gl-file"
rust_channel = "http://127.0.0.1:8081/dist/channel-rust-stable.toml"

[sources.registries]
"docker.io" = "https://mirror.example.com/"
"registry.example.com:5000" = "http://127.0.0.1:5000"

[toolchains]
max_releases_behind = 3
base_images = false

[alerts]
threshold = "high"
unscored = true
recipients = ["team@example.com", "oncall@example.org"]

[schedule]
expression = "cron(0 6 * * ? *)"
timezone = "Europe/Berlin"

[site]
url = "https://deps.example.com/"
domain = "deps.example.com"
certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
allow_cidrs = ["203.0.113.0/24", "2001:db8::/32"]

[aws]
history_transition_days = 60
history_expiration_days = 400

[[repositories]]
name = "bat"
github = "sharkdp/bat"
branch = "master"
lockfiles = ["Cargo.lock", "tools/Cargo.lock"]
manifests = ["Cargo.toml"]
deny = ["unmaintained", "yanked"]

[[repositories.ignore]]
id = "RUSTSEC-2024-0436"
reason = "paste is only used at build time"
until = 2026-12-31

[[repositories.ignore]]
id = "CVE-2099-0001"
reason = "not reachable"
until = "2027-01-15"

[[repositories.ignore]]
id = "RUSTSEC-2099-0002"
reason = "no fix yet"

[[repositories]]
name = "gitlab-project"
gitlab = "group/sub/project"
ref = "v1.2.3"

[[repositories]]
name = "one-lockfile"
url = "https://example.com/raw/Cargo.lock"

[[repositories]]
name = "local_checkout"
path = "../checkouts/app"
`;
    const config = loadConfig(text, 'conf/cratewatch.toml');
    expect(config.file).toBe('conf/cratewatch.toml');
    expect(config.concurrency).toBe(8);
    expect(config.indexConcurrency).toBe(32);
    expect(config.timeoutMs).toBe(12_000);
    expect(config.maxFileBytes).toBe(2048);
    expect(config.sources).toEqual({
      advisoryDb: 'vendor/advisory-db.tar.gz',
      advisoryDbMaxAgeDays: 3,
      index: 'http://127.0.0.1:8080/index/',
      githubApi: 'https://github.example.com/api/v3',
      gitlabApi: 'https://gitlab.example.com/api/v4',
      rustChannel: 'http://127.0.0.1:8081/dist/channel-rust-stable.toml',
      registries: { 'docker.io': 'https://mirror.example.com/', 'registry.example.com:5000': 'http://127.0.0.1:5000' },
    });
    expect(config.toolchains).toEqual({ maxReleasesBehind: 3, baseImages: false });
    expect(config.tokens).toEqual({ github: 'gh-file', gitlab: 'gl-file' });
    expect(config.alerts).toEqual({ threshold: 'high', unscored: true, recipients: ['team@example.com', 'oncall@example.org'] });
    expect(config.schedule).toEqual({ expression: 'cron(0 6 * * ? *)', timezone: 'Europe/Berlin' });
    expect(config.site).toEqual({
      url: 'https://deps.example.com',
      domain: 'deps.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
      allowCidrs: ['203.0.113.0/24', '2001:db8::/32'],
    });
    expect(config.aws).toEqual({ historyTransitionDays: 60, historyExpirationDays: 400 });
    expect(config.repositories).toEqual([
      {
        name: 'bat',
        location: { kind: 'github', repo: 'sharkdp/bat' },
        ref: 'master',
        lockfiles: ['Cargo.lock', 'tools/Cargo.lock'],
        manifests: ['Cargo.toml'],
        deny: ['unmaintained', 'yanked'],
        ignores: [
          { id: 'RUSTSEC-2024-0436', reason: 'paste is only used at build time', until: '2026-12-31' },
          { id: 'CVE-2099-0001', reason: 'not reachable', until: '2027-01-15' },
          { id: 'RUSTSEC-2099-0002', reason: 'no fix yet' },
        ],
      },
      { name: 'gitlab-project', location: { kind: 'gitlab', project: 'group/sub/project' }, ref: 'v1.2.3', lockfiles: null, manifests: null, ignores: [], deny: [] },
      { name: 'one-lockfile', location: { kind: 'url', url: 'https://example.com/raw/Cargo.lock' }, ref: null, lockfiles: null, manifests: null, ignores: [], deny: [] },
      // Kept raw: the caller resolves it against the configuration file's directory.
      { name: 'local_checkout', location: { kind: 'path', path: '../checkouts/app' }, ref: null, lockfiles: null, manifests: null, ignores: [], deny: [] },
    ]);
  });

  it('reads repositories written as an inline array of tables', () => {
    const config = loadConfig('repositories = [{ name = "a", path = "." }, { name = "b", github = "o/b" }]\n', FILE);
    expect(config.repositories.map((r) => r.location.kind)).toEqual(['path', 'github']);
  });

  it('lets GITHUB_TOKEN and GITLAB_TOKEN in the environment win over the file', () => {
    const text = `[sources]\ngithub_token = "from-file"\ngitlab_token = "gl-from-file"\n${MINIMAL}`;
    expect(loadConfig(text, FILE, { GITHUB_TOKEN: 'from-env' }).tokens).toEqual({ github: 'from-env', gitlab: 'gl-from-file' });
    expect(loadConfig(text, FILE, { GITHUB_TOKEN: 'a', GITLAB_TOKEN: 'b' }).tokens).toEqual({ github: 'a', gitlab: 'b' });
    expect(loadConfig(MINIMAL, FILE, { GITLAB_TOKEN: 'only-env' }).tokens).toEqual({ github: null, gitlab: 'only-env' });
    // An empty variable is the same as an unset one.
    expect(loadConfig(text, FILE, { GITHUB_TOKEN: '' }).tokens.github).toBe('from-file');
  });

  it('never prints a token, in JSON or in console output', () => {
    const config = loadConfig(`[sources]\ngithub_token = "ghp_secret"\n${MINIMAL}`, FILE, { GITLAB_TOKEN: 'glpat_secret' });
    expect(JSON.stringify(config)).not.toMatch(/secret/);
    expect(inspect(config, { depth: 5 })).not.toMatch(/secret/);
    expect(config.tokens.github).toBe('ghp_secret');
  });

  it('never prints a token in an error either', () => {
    const error = problemsOf('[sources]\ngithub_token = ["ghp_secret"]\n' + MINIMAL);
    expect(error.message).toContain('cratewatch.toml:2 (field `sources.github_token`): expected a non-empty token');
    expect(error.message).not.toMatch(/secret/);
  });

  it('loads cratewatch.example.toml', () => {
    const config = loadConfig(readFileSync(EXAMPLE, 'utf8'), 'cratewatch.example.toml');
    expect(config.repositories.map((r) => r.name)).toEqual(['ripgrep', 'bat', 'mdBook', 'axum', 'deps.rs']);
    expect(config.repositories.every((r) => r.location.kind === 'github')).toBe(true);
    expect(config.repositories[0]!.ref).toBe('master');
    expect(config.repositories[1]!.ignores).toEqual([{ id: 'RUSTSEC-2024-0436', reason: 'paste is only used at build time, by a proc macro', until: '2026-12-31' }]);
    expect(config.repositories[1]!.deny).toEqual(['unmaintained']);
  });
});

describe('loadConfig problems', () => {
  // Each case: the text, then the file:line (field …) and the start of the message expected.
  it.each([
    ['a missing name', '[[repositories]]\ngithub = "o/r"\n', 1, 'repositories[0].name', 'expected a name of letters'],
    ['two locations', '[[repositories]]\nname = "a"\ngithub = "o/r"\npath = "."\n', 4, 'repositories[0].path', 'expected only one of github, gitlab, url or path; `github` is set too'],
    ['no location', `${MINIMAL}\n[[repositories]]\nname = "b"\nbranch = "main"\n`, 5, 'repositories[1]', 'expected one of github = "owner/repo"'],
    ['a github value that is not owner/repo', `${MINIMAL}[[repositories]]\nname = "b"\ngithub = "https://github.com/o/r"\n`, 6, 'repositories[1].github', 'expected "owner/repo", got "https://github.com/o/r"'],
    ['a gitlab value without a group', '[[repositories]]\nname = "a"\ngitlab = "project"\n', 3, 'repositories[0].gitlab', 'expected "group/subgroup/project"'],
    ['a url that is not http(s)', '[[repositories]]\nname = "a"\nurl = "ftp://x/Cargo.lock"\n', 3, 'repositories[0].url', 'expected an http(s) URL'],
    ['a duplicate name', `${MINIMAL}[[repositories]]\nname = "ripgrep"\npath = "."\n`, 5, 'repositories[1].name', 'expected a unique name; "ripgrep" is also the name of repositories[0]'],
    ['a name that is not a safe path segment', '[[repositories]]\nname = "../etc"\npath = "."\n', 2, 'repositories[0].name', 'expected a name of letters'],
    ['an unknown threshold', `[alerts]\nthreshold = "severe"\n${MINIMAL}`, 2, 'alerts.threshold', 'expected "critical", "high", "medium" or "low", got "severe"'],
    ['a threshold below low', `[alerts]\nthreshold = "unscored"\n${MINIMAL}`, 2, 'alerts.threshold', 'expected "critical"'],
    ['an until date that does not exist', `${MINIMAL}[[repositories.ignore]]\nid = "RUSTSEC-2024-0436"\nreason = "r"\nuntil = "2026-02-30"\n`, 7, 'repositories[0].ignore[0].until', 'expected a date like 2026-12-31'],
    ['an until date-time', `${MINIMAL}[[repositories.ignore]]\nid = "X"\nreason = "r"\nuntil = 2026-12-31T10:00:00Z\n`, 7, 'repositories[0].ignore[0].until', 'expected a date like 2026-12-31'],
    ['an until that is not a date', `${MINIMAL}[[repositories.ignore]]\nid = "X"\nreason = "r"\nuntil = "next year"\n`, 7, 'repositories[0].ignore[0].until', 'got "next year"'],
    ['an ignore without a reason', `${MINIMAL}[[repositories.ignore]]\nid = "X"\n`, 4, 'repositories[0].ignore[0].reason', 'expected a reason'],
    ['an unknown key, with a suggestion', `${MINIMAL}brnach = "main"\n`, 4, 'repositories[0].brnach', 'unknown key `brnach`; did you mean `branch`?'],
    ['a camelCase key, with the snake_case one', `indexConcurrency = 4\n${MINIMAL}`, 1, 'indexConcurrency', 'unknown key `indexConcurrency`; did you mean `index_concurrency`?'],
    ['an unknown table, with a suggestion', `[alert]\nthreshold = "high"\n${MINIMAL}`, 1, 'alert', 'unknown key `alert`; did you mean `alerts`?'],
    ['an unknown key with nothing close', `[sources]\nmirror = "x"\n${MINIMAL}`, 2, 'sources.mirror', 'unknown key `mirror`; expected one of advisory_db, index'],
    ['a string where a number belongs', `timeout_seconds = "30"\n${MINIMAL}`, 1, 'timeout_seconds', 'expected an integer from 1 to 600, got "30"'],
    ['a string where a boolean belongs', `[alerts]\nunscored = "yes"\n${MINIMAL}`, 2, 'alerts.unscored', 'expected true or false, got "yes"'],
    ['a string where a list belongs', `${MINIMAL}lockfiles = "Cargo.lock"\n`, 4, 'repositories[0].lockfiles', 'expected a list of Cargo.lock paths'],
    ['a number inside a list', `[alerts]\nrecipients = ["a@example.com", 7]\n${MINIMAL}`, 2, 'alerts.recipients[1]', 'expected an email address, got the integer 7'],
    ['a table where a string belongs', '[[repositories]]\nname = "a"\n[repositories.github]\nowner = "o"\n', 3, 'repositories[0].github', 'expected "owner/repo", got a table'],
    ['a single [repositories] table', '[repositories]\nname = "a"\npath = "."\n', 1, 'repositories', 'expected one or more [[repositories]] tables, got a table'],
    ['concurrency above its range', `concurrency = 65\n${MINIMAL}`, 1, 'concurrency', 'expected an integer from 1 to 64, got the integer 65'],
    ['concurrency of zero', `concurrency = 0\n${MINIMAL}`, 1, 'concurrency', 'expected an integer from 1 to 64'],
    ['index_concurrency above its range', `index_concurrency = 1000\n${MINIMAL}`, 1, 'index_concurrency', 'expected an integer from 1 to 256'],
    ['a fractional timeout', `timeout_seconds = 2.5\n${MINIMAL}`, 1, 'timeout_seconds', 'got the number 2.5'],
    ['a negative max_file_bytes', `max_file_bytes = -1\n${MINIMAL}`, 1, 'max_file_bytes', 'expected an integer from 1 to'],
    ['branch and ref together', `${MINIMAL}branch = "main"\nref = "v1"\n`, 5, 'repositories[0].ref', 'expected branch or ref, not both; `branch` is set too'],
    ['an unknown deny kind', `${MINIMAL}deny = ["unmaintained", "everything"]\n`, 4, 'repositories[0].deny[1]', 'expected "warnings", "unmaintained", "unsound", "notice" or "yanked"'],
    ['an empty lockfiles list', `${MINIMAL}lockfiles = []\n`, 4, 'repositories[0].lockfiles', 'got an empty list'],
    ['a lockfile path climbing out of the repository', `${MINIMAL}lockfiles = ["../Cargo.lock"]\n`, 4, 'repositories[0].lockfiles[0]', 'expected a relative path inside the repository'],
    ['a database age limit of zero days', `[sources]\nadvisory_db_max_age_days = 0\n${MINIMAL}`, 2, 'sources.advisory_db_max_age_days', 'expected an integer from 1 to 365, got the integer 0'],
    ['an index that is not a URL', `[sources]\nindex = "index.crates.io"\n${MINIMAL}`, 2, 'sources.index', 'expected an http(s) URL of a sparse index'],
    ['a schedule EventBridge would refuse', `[schedule]\nexpression = "daily"\n${MINIMAL}`, 2, 'schedule.expression', 'expected an EventBridge schedule expression'],
    ['an unknown time zone', `[schedule]\ntimezone = "Mars/Base"\n${MINIMAL}`, 2, 'schedule.timezone', 'expected an IANA time zone such as "UTC" or "Europe/Berlin", got "Mars/Base"'],
    ['a domain without its certificate', `[site]\ndomain = "deps.example.com"\n${MINIMAL}`, 2, 'site.domain', 'expected domain and certificate_arn together'],
    ['a certificate outside us-east-1', `[site]\ndomain = "d.example.com"\ncertificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/abc"\n${MINIMAL}`, 3, 'site.certificate_arn', 'expected an ACM certificate ARN in us-east-1'],
    ['an address that is not a CIDR', `[site]\nallow_cidrs = ["300.1.1.1/8"]\n${MINIMAL}`, 2, 'site.allow_cidrs[0]', 'expected an IPv4 or IPv6 CIDR'],
    ['history that expires before it moves', `[aws]\nhistory_expiration_days = 20\n${MINIMAL}`, 2, 'aws.history_expiration_days', 'expected more days than history_transition_days (30)'],
    ['a recipient that is not an email address', `[alerts]\nrecipients = ["team"]\n${MINIMAL}`, 2, 'alerts.recipients[0]', 'expected an email address, got "team"'],
  ])('reports %s with its line and field', (_what, text, line, field, message) => {
    const error = problemsOf(text);
    expect(error.problems).toHaveLength(1);
    const [problem] = error.problems;
    expect(problem).toBeInstanceOf(ConfigError);
    expect(problem!.location).toEqual({ file: FILE, line, field });
    expect(problem!.message.startsWith(`${FILE}:${line} (field \`${field}\`): `)).toBe(true);
    expect(problem!.message).toContain(message);
    expect(error.message).toContain(problem!.message);
  });

  it('reports a file without repositories', () => {
    expect(locations('concurrency = 2\n')).toEqual([{ file: FILE, field: 'repositories' }]);
    expect(problemsOf('repositories = []\n').message).toContain('cratewatch.toml:1 (field `repositories`): expected one or more [[repositories]] tables');
  });

  it('finds the line of the Nth [[repositories]] block and of its ignores', () => {
    const text = `${MINIMAL}
[[repositories.ignore]]
id = "A"
reason = "r"

[[repositories]]
name = "b"
github = "o/b"

[[repositories.ignore]]
id = "B"
reason = "r"

[[repositories.ignore]]
id = "C"
reason = "r"
until = "soon"
`;
    expect(locations(text)).toEqual([{ file: FILE, line: 20, field: 'repositories[1].ignore[1].until' }]);
  });

  it('reports every problem at once, in line order', () => {
    const text = `concurrency = 100
[alerts]
threshold = "severe"

[[repositories]]
name = "ripgrep"
github = "BurntSushi/ripgrep"
brnach = "master"

[[repositories]]
name = "ripgrep"
github = "bat"
url = "https://example.com/Cargo.lock"

[[repositories]]
deny = ["all"]
`;
    const error = problemsOf(text);
    expect(error.problems.map((p) => [p.location.line, p.location.field])).toEqual([
      [1, 'concurrency'],
      [3, 'alerts.threshold'],
      [8, 'repositories[0].brnach'],
      [11, 'repositories[1].name'],
      [12, 'repositories[1].github'],
      [13, 'repositories[1].url'],
      [15, 'repositories[2].name'],
      [15, 'repositories[2]'],
      [16, 'repositories[2].deny[0]'],
    ]);
    expect(error.message).toMatch(/^cratewatch\.toml has 9 problems:\n {2}cratewatch\.toml:1 \(field `concurrency`\): expected an integer from 1 to 64, got the integer 100\n/);
    expect(error.message.split('\n')).toHaveLength(10);
  });

  it('reports bad toolchain settings and registry entries with their line and field', () => {
    const text = `[sources]
rust_channel = "ftp://example.com/channel.toml"

[sources.registries]
"not a host" = "https://mirror.example.com"
"ghcr.io" = "ghcr.io"

[toolchains]
max_releases_behind = -1
base_images = "yes"

[[repositories]]
name = "ripgrep"
github = "BurntSushi/ripgrep"
`;
    const error = problemsOf(text);
    expect(error.problems.map((p) => [p.location.line, p.location.field])).toEqual([
      [2, 'sources.rust_channel'],
      [5, 'sources.registries.not a host'],
      [6, 'sources.registries.ghcr.io'],
      [9, 'toolchains.max_releases_behind'],
      [10, 'toolchains.base_images'],
    ]);
    expect(error.problems[1]!.message).toContain('expected a registry host as image names write it, like "docker.io"');
    expect(error.problems[2]!.message).toContain(`expected an http(s) URL of a registry's Docker Registry HTTP API v2, like "https://mirror.example.com", got "ghcr.io"`);
    expect(error.problems[3]!.message).toContain('expected an integer from 0 to 100, got the integer -1');
  });

  it('reports a TOML syntax error as its one problem, with line and column', () => {
    const error = problemsOf('[[repositories]]\nname = "a\n');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.location).toMatchObject({ file: FILE, line: 2 });
    expect(error.message).toMatch(/cratewatch\.toml:2:\d+: not valid TOML/);
  });

  it('is not fooled by key-like lines inside multi-line strings', () => {
    const text = `${MINIMAL}[[repositories.ignore]]\nid = "A"\nreason = """\nname = "x"\nuntil = 1\n"""\nuntil = "never"\n`;
    expect(locations(text)).toEqual([{ file: FILE, line: 10, field: 'repositories[0].ignore[0].until' }]);
  });
});

describe('suggest', () => {
  it.each([
    ['brnach', 'branch'],
    ['lockfile', 'lockfiles'],
    ['githb', 'github'],
    ['maxFileBytes', 'max_file_bytes'],
    ['zzz', undefined],
    ['repository', undefined],
  ])('suggests for %s: %s', (key, expected) => {
    expect(suggest(key, ['branch', 'lockfiles', 'github', 'max_file_bytes', 'ref', 'name'])).toBe(expected);
  });
});

describe('filterRepositories', () => {
  const config = loadConfig(`${MINIMAL}[[repositories]]\nname = "bat"\ngithub = "sharkdp/bat"\n[[repositories]]\nname = "axum"\ngithub = "tokio-rs/axum"\n`, FILE);

  it('keeps the named repositories in the file order', () => {
    expect(filterRepositories(config, ['axum', 'ripgrep']).map((r) => r.name)).toEqual(['ripgrep', 'axum']);
  });

  it('keeps all of them when no name is given', () => {
    expect(filterRepositories(config, [])).toBe(config.repositories);
  });

  it('names every unknown repository, suggesting a close one', () => {
    let error: unknown;
    try {
      filterRepositories(config, ['ripgrap', 'tokio', 'bat']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigErrors);
    const messages = (error as ConfigErrors).problems.map((p) => p.message);
    expect(messages).toEqual([
      'cratewatch.toml (field `repositories`): no repository is named "ripgrap"; did you mean "ripgrep"?',
      'cratewatch.toml (field `repositories`): no repository is named "tokio"; the configured ones are ripgrep, bat, axum',
    ]);
  });
});

describe('loadConfig [[repositories.duplicates]]', () => {
  it('reads accepted duplicates with reason, optional version and until, naming the file they come from', () => {
    const text = `${MINIMAL}
[[repositories.duplicates]]
name = "windows-sys"
version = "0.48"
reason = "mio 0.8 still needs it"
until = 2027-01-01

[[repositories.duplicates]]
name = "syn"
reason = "syn 1 and 2 both in the build"
`;
    expect(loadConfig(text, FILE).repositories[0]!.duplicates).toEqual([
      { name: 'windows-sys', version: '0.48', reason: 'mio 0.8 still needs it', until: '2027-01-01', from: FILE },
      { name: 'syn', reason: 'syn 1 and 2 both in the build', from: FILE },
    ]);
  });

  it('leaves duplicates out of a repository that lists none', () => {
    expect(loadConfig(MINIMAL, FILE).repositories[0]).not.toHaveProperty('duplicates');
  });

  it.each([
    ['without a reason', `${MINIMAL}[[repositories.duplicates]]\nname = "syn"\n`, 4, 'repositories[0].duplicates[0].reason', 'expected a reason (why this duplicate stays'],
    ['with a version Cargo would refuse', `${MINIMAL}[[repositories.duplicates]]\nname = "syn"\nversion = "two"\nreason = "r"\n`, 6, 'repositories[0].duplicates[0].version', 'expected a Cargo version requirement like "0.48"'],
    ['with a name that is no crate name', `${MINIMAL}[[repositories.duplicates]]\nname = "windows sys"\nreason = "r"\n`, 5, 'repositories[0].duplicates[0].name', 'expected a crate name like "windows-sys"'],
    ['with an until that is not a date', `${MINIMAL}[[repositories.duplicates]]\nname = "syn"\nreason = "r"\nuntil = "later"\n`, 7, 'repositories[0].duplicates[0].until', 'expected a date like 2026-12-31'],
    ['with a mistyped key', `${MINIMAL}[[repositories.duplicates]]\nname = "syn"\nreson = "r"\n`, 6, 'repositories[0].duplicates[0].reson', 'unknown key `reson`; did you mean `reason`?'],
  ])('reports a duplicates entry %s with its line and field', (_what, text, line, field, message) => {
    const error = problemsOf(text);
    const problem = error.problems.find((p) => p.location.field === field);
    expect(problem?.location).toEqual({ file: FILE, line, field });
    expect(problem?.message).toContain(message);
  });
});
