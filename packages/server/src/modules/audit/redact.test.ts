import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from './redact.js';

describe('redactSecrets', () => {
  it('hides passwords, tokens, secrets, keys and codes at any depth but keeps the rest', () => {
    const body = {
      email: 'ada@example.com',
      password: 'hunter2hunter2',
      newPassword: 'x',
      nested: { refreshToken: 'r', clientSecret: 's', apiKey: 'k', list: [{ code: '123456' }] },
      role: 'viewer',
    };
    expect(redactSecrets(body)).toEqual({
      email: 'ada@example.com',
      password: REDACTED,
      newPassword: REDACTED,
      nested: { refreshToken: REDACTED, clientSecret: REDACTED, apiKey: REDACTED, list: [{ code: REDACTED }] },
      role: 'viewer',
    });
  });

  // Regression: `POST …/exec` bodies carried env: ["DB_PASSWORD=…"] into the audit log as written.
  it('keeps the names of environment variables and hides their values', () => {
    expect(redactSecrets({ command: ['env'], env: ['DB_PASSWORD=hunter2', 'MODE=prod', 'odd'], nested: { environment: { API: 'x' } } })).toEqual({
      command: ['env'],
      env: [`DB_PASSWORD=${REDACTED}`, `MODE=${REDACTED}`, REDACTED],
      nested: { environment: { API: REDACTED } },
    });
  });
});
