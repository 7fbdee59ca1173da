import { API_KEY_PREFIX, type ApiKey, type ApiKeyCreate, type ApiKeyCreated, type Page, type Role, roleAtLeast } from '@infrapilot/protocol';
import type { ApiKeysTable } from '../../db/schema.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import { hashToken, randomToken } from '../../platform/crypto/tokens.js';
import type { Actor, Identity } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import type { ApiKeysRepo } from './api-keys.repo.js';
import { pageOf } from '../../platform/pagination.js';

function toApiKey(row: ApiKeysTable): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role as Role,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

const KEY_PATTERN = /^ipk_[A-Za-z0-9_-]{43}$/;
// Writing last_used_at on every request would turn each read into a write.
const TOUCH_INTERVAL_MS = 60_000;

/** Keys that act in one org with one role, for scripts and CI. */
export class ApiKeysService {
  constructor(private readonly deps: { repo: ApiKeysRepo; clock: Clock }) {}

  /** Creates a key; the secret is in the reply only, the database keeps its hash. */
  async createKey(actor: Actor, input: ApiKeyCreate): Promise<ApiKeyCreated> {
    if (!roleAtLeast(actor.org.role, input.role)) throw new ForbiddenError(`Your role (${actor.org.role}) cannot create a ${input.role} key`);
    const now = this.deps.clock.now();
    if (input.expiresAt && new Date(input.expiresAt) <= now) {
      throw new ValidationError('expiresAt must be in the future', [{ path: 'body.expiresAt', message: 'must be in the future' }]);
    }
    const secret = `${API_KEY_PREFIX}${randomToken(32)}`;
    const row: ApiKeysTable = {
      id: newId(),
      org_id: actor.org.id,
      name: input.name,
      prefix: secret.slice(0, 12),
      key_hash: hashToken(secret),
      role: input.role,
      created_by: actor.identity.kind === 'user' ? actor.identity.userId : actor.identity.createdBy,
      created_at: isoTimestamp(now),
      last_used_at: null,
      expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
      revoked_at: null,
    };
    await this.deps.repo.create(row);
    return { apiKey: toApiKey(row), secret };
  }

  /** super_admins see every key of the org; others see the keys they created. */
  async listKeys(actor: Actor, page: { limit: number; cursor?: string | undefined }): Promise<Page<ApiKey>> {
    const createdBy = this.scopeOf(actor);
    const rows = await this.deps.repo.listInOrg(actor.org.id, {
      limit: page.limit + 1,
      ...(page.cursor ? { afterId: page.cursor } : {}),
      ...(createdBy ? { createdBy } : {}),
    });
    return pageOf(rows, page.limit, toApiKey);
  }

  async revokeKey(actor: Actor, id: string): Promise<ApiKey> {
    const row = await this.deps.repo.getInOrg(actor.org.id, id);
    const createdBy = this.scopeOf(actor);
    if (!row || (createdBy && row.created_by !== createdBy)) throw new NotFoundError('API key');
    await this.deps.repo.revoke(id, isoTimestamp(this.deps.clock.now()));
    return toApiKey((await this.deps.repo.getInOrg(actor.org.id, id))!);
  }

  /** The identity of a presented key, or null when it is unknown, revoked or expired. */
  async authenticate(presented: string): Promise<Identity | null> {
    if (!KEY_PATTERN.test(presented)) return null;
    const row = await this.deps.repo.getByHash(hashToken(presented));
    const now = this.deps.clock.now();
    if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= isoTimestamp(now))) return null;
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > TOUCH_INTERVAL_MS) {
      await this.deps.repo.touch(row.id, isoTimestamp(now));
    }
    return { kind: 'api_key', apiKeyId: row.id, name: row.name, prefix: row.prefix, orgId: row.org_id, role: row.role as Role, createdBy: row.created_by };
  }

  /** Whether a key is still usable (not revoked, not expired): long-lived sockets ask every minute. */
  async stillValid(apiKeyId: string): Promise<boolean> {
    const row = await this.deps.repo.getById(apiKeyId);
    return row !== undefined && row.revoked_at === null && (row.expires_at === null || row.expires_at > isoTimestamp(this.deps.clock.now()));
  }

  /** Whose keys a caller may see and revoke: all for a super_admin; otherwise those its person created. */
  private scopeOf(actor: Actor): string | undefined {
    if (actor.org.role === 'super_admin') return undefined;
    // A key acts for the person who created it; a key without one sees none.
    return (actor.identity.kind === 'user' ? actor.identity.userId : actor.identity.createdBy) ?? 'nobody';
  }
}
