import { ApiError } from '@infrapilot/client';
import { describe, expect, it } from 'vitest';
import { describeError, formErrorMessage, signInErrorMessage } from './error-text';

describe('describeError', () => {
  it('says a 401 means signing in again, and passes on the request id of an unexpected failure', () => {
    expect(describeError(new ApiError(401, 'unauthenticated', 'Authentication required'))).toEqual({
      title: 'Your session has ended',
      hint: 'Sign in again to continue.',
    });
    expect(describeError(new ApiError(500, 'internal', 'Internal error', [], 'req-7')).hint).toBe('Request id req-7 — quote it when asking for help.');
  });
});

describe('formErrorMessage', () => {
  it("shows the server's own words for a refused form", () => {
    for (const status of [400, 403, 409, 422]) {
      expect(formErrorMessage(new ApiError(status, 'refused', 'That e-mail is taken'))).toBe('That e-mail is taken');
    }
    expect(formErrorMessage(new ApiError(401, 'invalid_credentials', 'The current password is wrong'))).toBe('The current password is wrong');
  });

  it('says an ended session, a missing thing or a failure elsewhere in general words', () => {
    expect(formErrorMessage(new ApiError(401, 'unauthenticated', 'Authentication required'))).toBe('Your session has ended');
    expect(formErrorMessage(new ApiError(404, 'not_found', 'user not found'))).toBe('Not found');
    expect(formErrorMessage(new Error('boom'))).toBe('Something went wrong');
  });

  it('says what to do when the server is out of reach or asks to slow down', () => {
    expect(formErrorMessage(new ApiError(0, 'network_error', 'fetch failed'))).toBe(
      'Cannot reach the server. Check that InfraPilot is running and your network is up, then retry.',
    );
    // The server's own message already says how long to wait; it is not repeated.
    expect(formErrorMessage(new ApiError(429, 'rate_limited', 'Too many failed sign-ins (retry after 30s)', [], undefined, 30))).toBe(
      'Too many failed sign-ins (retry after 30s)',
    );
  });
});

describe('signInErrorMessage', () => {
  it("shows the server's words for every refusal, a 401 included, since nobody is signed in yet", () => {
    expect(signInErrorMessage(new ApiError(401, 'unauthenticated', 'The sign-in step has expired; sign in again'))).toBe('The sign-in step has expired; sign in again');
    expect(signInErrorMessage(new ApiError(401, 'invalid_credentials', 'Invalid e-mail or password'))).toBe('Invalid e-mail or password');
    expect(signInErrorMessage(new ApiError(429, 'rate_limited', 'Too many attempts; try again later (retry after 30s)', [], undefined, 30))).toBe(
      'Too many attempts; try again later (retry after 30s)',
    );
  });

  it('says what to do when the server is out of reach', () => {
    expect(signInErrorMessage(new ApiError(0, 'network_error', 'fetch failed'))).toMatch(/^Cannot reach the server\. Check/);
    expect(signInErrorMessage(new ApiError(500, 'internal', 'Internal error'))).toBe('Internal error');
  });
});
