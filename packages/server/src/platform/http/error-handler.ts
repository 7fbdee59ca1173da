import type { ErrorDetail, ErrorReply } from '@infrapilot/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { isUniqueViolation } from '../../db/constraint-errors.js';
import { AppError, RateLimitedError } from '../../errors.js';

/** Answers a request no route matched with a page (the web app's history fallback); false if it is not one. */
export type PageFallback = (request: FastifyRequest, response: FastifyReply) => boolean;

function reply(code: string, message: string, requestId: string, details?: ErrorDetail[]): ErrorReply {
  return { error: { code, message, ...(details ? { details } : {}), requestId } };
}

/** Fastify's own request errors, by code: what we answer instead. */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The request body is empty but Content-Type says JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'The request body is larger than the server accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Send the request body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'validation_failed', message: 'Content-Length does not match the body' },
};

/**
 * The one place errors become HTTP replies (DESIGN.md §8): AppErrors keep their status
 * and code, schema failures list field paths, anything unknown is logged and becomes a
 * bare 500 without its message.
 */
export function registerErrorHandling(app: FastifyInstance, options: { pageFallback?: PageFallback } = {}): void {
  app.setErrorHandler((error: FastifyError, request, response) => {
    if (error instanceof AppError) {
      if (error instanceof RateLimitedError) response.header('Retry-After', String(error.retryAfterSeconds));
      if (error.status >= 500) request.log.error({ err: error }, error.message);
      const message = error.status === 500 ? 'Internal server error' : error.message;
      return response.status(error.status).send(reply(error.code, message, request.id, error.details));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const location = error.validationContext ?? 'body';
      const details = error.validation.map((issue) => {
        const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
        // An unknown field is reported on its parent object; name the field itself.
        const keys = (issue.params as { keys?: string[] }).keys;
        const field = keys?.length ? `${path ? `${path}.` : ''}${keys.join(',')}` : path;
        return { path: field ? `${location}.${field}` : location, message: issue.message };
      });
      const summary = details.map((detail) => `${detail.path}: ${detail.message}`).join('; ');
      return response.status(400).send(reply('validation_failed', `Invalid request: ${summary}`, request.id, details));
    }
    if (isUniqueViolation(error)) {
      return response.status(409).send(reply('conflict', 'That already exists (another request created it at the same time)', request.id));
    }
    const known = error.code ? FRAMEWORK_ERRORS[error.code] : undefined;
    if (known) return response.status(known.status).send(reply(known.code, known.message, request.id));
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'reply did not match its schema');
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return response.status(error.statusCode).send(reply('validation_failed', error.message, request.id));
    } else {
      request.log.error({ err: error }, 'unhandled error');
    }
    return response.status(500).send(reply('internal_error', 'Internal server error', request.id));
  });

  app.setNotFoundHandler((request, response) => {
    if (options.pageFallback?.(request, response)) return;
    response.status(404).send(reply('route_not_found', `No route ${request.method} ${request.url.split('?')[0]}`, request.id));
  });
}
