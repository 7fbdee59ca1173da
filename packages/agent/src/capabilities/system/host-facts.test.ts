import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseOsRelease, readOsFacts, readSystemFacts } from './host-facts.js';

describe('parseOsRelease', () => {
  it('reads quoted, single-quoted and bare values and skips comments', () => {
    const values = parseOsRelease(
      [
        '# written by the vendor',
        'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"',
        "NAME='Debian GNU/Linux'",
        'ID=debian',
        'VARIANT="Say \\"hi\\" \\$HOME"',
        '',
      ].join('\n'),
    );
    expect(values.get('PRETTY_NAME')).toBe('Debian GNU/Linux 13 (trixie)');
    expect(values.get('NAME')).toBe('Debian GNU/Linux');
    expect(values.get('ID')).toBe('debian');
    expect(values.get('VARIANT')).toBe('Say "hi" $HOME');
    expect(values.has('# written by the vendor')).toBe(false);
  });
});

describe('readOsFacts', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(os.tmpdir(), 'infrapilot-os-release-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the OS by PRETTY_NAME and takes kernel and architecture from node:os', async () => {
    const path = join(dir, 'os-release');
    await writeFile(path, 'NAME="Ubuntu"\nPRETTY_NAME="Ubuntu 24.04.1 LTS"\nID=ubuntu\n');

    expect(await readOsFacts({ osReleasePath: path })).toEqual({
      name: 'Ubuntu 24.04.1 LTS',
      kernel: os.release(),
      architecture: os.arch(),
      platform: os.platform(),
    });
  });

  it('falls back to the OS type when os-release is missing', async () => {
    const facts = await readOsFacts({ osReleasePath: join(dir, 'missing') });
    expect(facts.name).toBe(os.type());
  });

  it('falls back to the OS type when os-release has no PRETTY_NAME', async () => {
    const path = join(dir, 'os-release');
    await writeFile(path, 'ID=alpine\n');
    expect((await readOsFacts({ osReleasePath: path })).name).toBe(os.type());
  });

  it('reads this machine’s os-release by default', async () => {
    const facts = await readOsFacts();
    expect(facts.name.length).toBeGreaterThan(0);
    expect(facts.platform).toBe(process.platform);
  });
});

describe('readSystemFacts', () => {
  it('describes this host with plausible values', async () => {
    const facts = await readSystemFacts();

    expect(facts.hostname).toBe(os.hostname());
    expect(facts.cpuCount).toBeGreaterThanOrEqual(1);
    expect(facts.cpuModel.length).toBeGreaterThan(0);
    expect(facts.memoryTotalBytes).toBe(os.totalmem());
    expect(facts.uptimeSeconds).toBeGreaterThan(0);
    expect(Number.isInteger(facts.uptimeSeconds)).toBe(true);
    expect(facts.runtimeVersion).toBe(process.version);
    expect(facts.os.kernel).toBe(os.release());
  });
});
