import { ApiError } from '@infrapilot/client';
import { describe, expect, it } from 'vitest';
import { CliError, describeError } from './errors.js';

// The shapes below are the server's: ValidationError(`${field}: ${message}`, [{ path: `body.${field}`, message }])
// from the PEM checks, and the error handler's "Invalid request: <path>: <message>" for a body zod refuses.
describe('describeError', () => {
  it('says a detail once when the message already holds it, under whatever name', () => {
    const pem = new ApiError(400, 'validation_failed', 'certificatePem: the private key does not belong to the (first) certificate', [
      { path: 'body.certificatePem', message: 'the private key does not belong to the (first) certificate' },
    ]);
    expect(describeError(pem)).toBe('certificatePem: the private key does not belong to the (first) certificate (validation_failed)');

    const zod = new ApiError(400, 'validation_failed', 'Invalid request: body.email: Invalid email address', [{ path: 'body.email', message: 'Invalid email address' }]);
    expect(describeError(zod)).toBe('Invalid request: body.email: Invalid email address (validation_failed)');
  });

  it('adds the details the message does not say, with their paths', () => {
    const error = new ApiError(400, 'validation_failed', 'The proxy host is not valid', [
      { path: 'body.domain', message: 'must be a domain name' },
      { path: 'body.ipRules.0.cidr', message: 'must be an IPv4 or IPv6 address or CIDR' },
      // A detail about the request as a whole has an empty path.
      { path: '', message: 'give the upstream as host:port' },
    ]);
    expect(describeError(error)).toBe(
      'The proxy host is not valid (validation_failed); body.domain: must be a domain name; body.ipRules.0.cidr: must be an IPv4 or IPv6 address or CIDR; give the upstream as host:port',
    );
  });

  it('keeps to one line, with the wait of a 429 and the way back from an expired session', () => {
    expect(describeError(new ApiError(429, 'rate_limited', 'Too many requests', [], undefined, 30))).toBe('Too many requests (rate_limited); retry in 30s');
    expect(describeError(new ApiError(401, 'unauthenticated', 'Session expired'))).toBe('Session expired (unauthenticated); run `infrapilot login` to sign in again');
    expect(describeError(new CliError('nginx said:\n  line one\n  line two'))).toBe('nginx said: line one line two');
  });
});
