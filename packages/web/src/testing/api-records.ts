import type { ApiKey, AuditEntry, User } from '@infrapilot/protocol';

// Test-only: records shaped as the API returns them, with defaults a test overrides where it matters.

/** Ids in the UUID shape the API uses; tests only need them distinct. */
export function testId(n: number): string {
  return `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`;
}

export function makeUser(overrides: Partial<User> = {}): User {
  return {
    id: testId(1),
    email: 'ada@example.com',
    name: 'Ada',
    role: 'viewer',
    disabled: false,
    mfaEnabled: false,
    createdAt: '2025-01-02T10:00:00.000Z',
    lastLoginAt: null,
    ...overrides,
  };
}

export function makeApiKey(overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: testId(100),
    name: 'ci',
    prefix: 'ipk_abcdefgh',
    role: 'operator',
    createdBy: testId(1),
    createdAt: '2025-01-02T10:00:00.000Z',
    lastUsedAt: null,
    expiresAt: null,
    revokedAt: null,
    ...overrides,
  };
}

export function makeAuditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: testId(200),
    orgId: testId(300),
    userId: testId(1),
    apiKeyId: null,
    actorLabel: 'ada@example.com',
    action: 'user.create',
    resourceType: 'user',
    resourceId: testId(2),
    ipAddress: '192.0.2.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
    requestBody: null,
    responseStatus: 201,
    createdAt: '2025-03-01T12:00:00.000Z',
    ...overrides,
  };
}
