import { z } from 'zod';

/**
 * Every error code the API can answer with. docs/errors.md explains each one;
 * add a code here and there together.
 */
export const ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
  'unauthenticated',
  'invalid_credentials',
  'mfa_invalid_code',
  'refresh_token_raced',
  'forbidden',
  'policy_denied',
  'not_found',
  'route_not_found',
  'conflict',
  'last_super_admin',
  'unprocessable',
  'rate_limited',
  'agent_offline',
  'agent_timeout',
  'capability_failed',
  'capability_unavailable',
  'docker_unavailable',
  'proxy_unavailable',
  'proxy_config_invalid',
  'client_closed_request',
  'internal_error',
  'service_unavailable',
] as const;

/** A machine-readable error code, stable across releases. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem found in a request, with the path of the field it concerns. */
export const ErrorDetailSchema = z.object({
  path: z.string().describe('Dotted path of the offending field, e.g. "body.email"'),
  message: z.string(),
});
export type ErrorDetail = z.infer<typeof ErrorDetailSchema>;

/** The body of every error reply. */
export const ErrorReplySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(ErrorDetailSchema).optional(),
    requestId: z.string().optional(),
  }),
});
export type ErrorReply = z.infer<typeof ErrorReplySchema>;
