import { describe, expect, it } from 'vitest';
import { installCommandFor, joinCommandFor } from './join-commands.js';

const token = 'ipe_AbC-123_xyz';
const caHash = `sha256:${'ab'.repeat(32)}`;

describe('join commands', () => {
  it('spells the join command the agent CLI parses', () => {
    expect(joinCommandFor({ serverUrl: 'https://cp.example.com:8443', token, caHash })).toBe(
      `infrapilot agent join --server https://cp.example.com:8443 --token ${token} --ca-hash ${caHash}`,
    );
  });

  it('pipes install.sh from the public URL into sh with the token and hash', () => {
    expect(installCommandFor({ publicUrl: 'https://cp.example.com/', token, caHash })).toBe(
      `curl -fsSL https://cp.example.com/install.sh | sh -s -- --token ${token} --ca-hash ${caHash}`,
    );
  });

  it('quotes a configured URL holding shell metacharacters so it stays one inert word', () => {
    const command = installCommandFor({ publicUrl: "https://cp.example.com/a'b;$(reboot)", token, caHash });
    expect(command).toContain(`'https://cp.example.com/a'\\''b;$(reboot)/install.sh'`);
  });
});
