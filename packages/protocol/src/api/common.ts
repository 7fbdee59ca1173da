import { z } from 'zod';
import { ROLES } from '../permissions.js';

/** The request header naming the org a request acts in (its id or slug). */
export const ORG_HEADER = 'X-InfraPilot-Org';

/** A UUIDv7 (or any RFC 4122 UUID) identifier. */
export const IdSchema = z.uuid().describe('Resource id (UUID)');

/** Path parameters of a route addressing one resource by id. */
export const IdParamsSchema = z.strictObject({ id: IdSchema });

/** A lower-cased e-mail address. */
export const EmailSchema = z
  .email()
  .max(254)
  .transform((value) => value.toLowerCase());

/** A new password: long enough to resist guessing, short enough not to be a DoS vector for argon2. */
export const NewPasswordSchema = z
  .string()
  .min(12, 'Password must be at least 12 characters')
  .max(256, 'Password must be at most 256 characters');

/** A role name. */
export const RoleSchema = z.enum(ROLES);

/** An ISO-8601 timestamp in UTC. */
export const TimestampSchema = z.iso.datetime({ offset: true });

/** `?limit=&cursor=` on every list route. */
export const PaginationQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** Every list reply: a page of items and the cursor of the next page, if any. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** A page of items. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A reply that carries nothing but success. */
export const OkSchema = z.object({ ok: z.literal(true) });
export type Ok = z.infer<typeof OkSchema>;
