import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigStore, configPath } from './config-store.js';

describe('configPath', () => {
  it('prefers INFRAPILOT_CONFIG, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configPath({ INFRAPILOT_CONFIG: '/x/c.json', XDG_CONFIG_HOME: '/xdg' }, '/home/me')).toBe('/x/c.json');
    expect(configPath({ XDG_CONFIG_HOME: '/xdg' }, '/home/me')).toBe('/xdg/infrapilot/config.json');
    expect(configPath({}, '/home/me')).toBe('/home/me/.config/infrapilot/config.json');
  });
});

describe('ConfigStore', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'infrapilot-config-'));
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('reads nothing from a file that does not exist yet', () => {
    expect(new ConfigStore(join(directory, 'missing', 'config.json')).read()).toEqual({});
  });

  it('keeps the tokens readable by their owner only, in a directory of their own', () => {
    const store = new ConfigStore(join(directory, 'infrapilot', 'config.json'));
    store.write({ server: 'http://localhost:8080', accessToken: 'a', refreshToken: 'r' });
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(directory, 'infrapilot')).mode & 0o777).toBe(0o700);
    expect(store.read()).toEqual({ server: 'http://localhost:8080', accessToken: 'a', refreshToken: 'r' });
  });

  it('replaces the file whole and leaves no temporary file behind', () => {
    const store = new ConfigStore(join(directory, 'config.json'));
    store.write({ server: 'http://a', accessToken: 'a1', refreshToken: 'r1', org: 'default' });
    store.update({ accessToken: 'a2', refreshToken: 'r2' });
    expect(store.read()).toEqual({ server: 'http://a', accessToken: 'a2', refreshToken: 'r2', org: 'default' });
    store.update({ accessToken: undefined, refreshToken: undefined });
    expect(store.read()).toEqual({ server: 'http://a', org: 'default' });
    expect(readdirSync(directory)).toEqual(['config.json']);
  });

  it('tightens a file that was written with looser permissions when it next saves', () => {
    const path = join(directory, 'config.json');
    writeFileSync(path, '{}', { mode: 0o644 });
    new ConfigStore(path).update({ server: 'http://a' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('says which file is broken instead of throwing a JSON parse error', () => {
    const path = join(directory, 'config.json');
    writeFileSync(path, '{ not json');
    expect(() => new ConfigStore(path).read()).toThrow(`${path} is not valid JSON`);
  });
});
