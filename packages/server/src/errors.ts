import type { ErrorCode, ErrorDetail } from '@infrapilot/protocol';

/**
 * The one error hierarchy of the server. Services throw these; the HTTP error
 * handler (platform/http/error-handler.ts) is the only place they become replies.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;

  constructor(code: ErrorCode, status: number, message: string, options: { details?: ErrorDetail[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = options.details;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: ErrorDetail[]) {
    super('validation_failed', 400, message, details ? { details } : {});
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Authentication required', code: 'unauthenticated' | 'invalid_credentials' | 'mfa_invalid_code' | 'refresh_token_raced' = 'unauthenticated') {
    super(code, 401, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Your role does not allow this') {
    super('forbidden', 403, message);
  }
}

export class NotFoundError extends AppError {
  constructor(resource: string, message = `${resource} not found`) {
    super('not_found', 404, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code: 'conflict' | 'last_super_admin' = 'conflict') {
    super(code, 409, message);
  }
}

export class UnprocessableError extends AppError {
  constructor(message: string) {
    super('unprocessable', 422, message);
  }
}

export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = 'Too many attempts; try again later') {
    super('rate_limited', 429, `${message} (retry after ${retryAfterSeconds}s)`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class AgentError extends AppError {}

export class AgentOfflineError extends AgentError {
  constructor(agentName: string) {
    super('agent_offline', 503, `Agent ${agentName} is offline`);
  }
}

export class AgentTimeoutError extends AgentError {
  constructor(agentName: string, seconds: number, message = `Agent ${agentName} did not answer within ${seconds}s`) {
    super('agent_timeout', 504, message);
  }
}

/** The agent is connected but did not announce the command (older version, or its policy forbids it). */
export class CapabilityUnavailableError extends AgentError {
  constructor(agentName: string, command: string) {
    super(
      'capability_unavailable',
      422,
      `Agent ${agentName} does not offer "${command}": it runs an older version, or its policy file (/etc/infrapilot/agent.yaml) does not allow it`,
    );
  }
}

/** The host's policy file forbids what was asked (the agent said so, or announced it as denied). */
export class PolicyDeniedError extends AgentError {
  constructor(message: string) {
    super('policy_denied', 403, message);
  }
}

/** The agent answers, but the Docker Engine on its host does not. */
export class DockerUnavailableError extends AgentError {
  constructor(message: string) {
    super('docker_unavailable', 503, message);
  }
}

/** The agent answers, but its host has no usable reverse proxy (nginx not installed). */
export class ProxyUnavailableError extends AgentError {
  constructor(message: string) {
    super('proxy_unavailable', 503, message);
  }
}

/** nginx -t refused the rendered config; the host's previous files are back in place. */
export class ProxyConfigInvalidError extends AgentError {
  constructor(message: string) {
    super('proxy_config_invalid', 422, message);
  }
}

export class CapabilityFailedError extends AgentError {
  readonly log: unknown;
  constructor(message: string, log: unknown) {
    super('capability_failed', 502, message);
    this.log = log;
  }
}

/** The caller went away before the answer and what it asked was abandoned (499, as nginx logs it): for the audit log, nobody reads the reply. */
export class ClientClosedRequestError extends AppError {
  constructor(message: string) {
    super('client_closed_request', 499, message);
  }
}

/** An unexpected failure; its message is logged, never sent to the client. */
export class InternalError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('internal_error', 500, message, { cause });
  }
}
