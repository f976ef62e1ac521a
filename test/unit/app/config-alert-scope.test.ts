// `[alerts] include_dev`: whether findings reachable only through dev-dependencies alert.
import { describe, expect, it } from 'vitest';
import { ConfigErrors, loadConfig } from '../../../functions/app/config.ts';
import { alertableByScope } from '../../../functions/core/dependency-scope.ts';

const FILE = 'cratewatch.toml';
const REPO = '[[repositories]]\nname = "ripgrep"\ngithub = "BurntSushi/ripgrep"\n';

describe('[alerts] include_dev', () => {
  it('reads include_dev = false, which keeps dev-only findings from alerting', () => {
    const config = loadConfig(`[alerts]\ninclude_dev = false\n\n${REPO}`, FILE);
    expect(config.alerts.includeDev).toBe(false);
    expect(alertableByScope('dev', { includeDev: config.alerts.includeDev ?? true })).toBe(false);
  });

  it('leaves includeDev out when the key is absent, and dev-only findings alert', () => {
    const config = loadConfig(REPO, FILE);
    expect('includeDev' in config.alerts).toBe(false);
    expect(alertableByScope('dev', { includeDev: config.alerts.includeDev ?? true })).toBe(true);
  });

  it('rejects a string, naming the line and field', () => {
    let caught: unknown;
    try {
      loadConfig(`[alerts]\ninclude_dev = "no"\n${REPO}`, FILE);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigErrors);
    const [problem] = (caught as ConfigErrors).problems;
    expect(problem!.location).toEqual({ file: FILE, line: 2, field: 'alerts.include_dev' });
    expect(problem!.message).toContain('expected true or false, got "no"');
  });
});
