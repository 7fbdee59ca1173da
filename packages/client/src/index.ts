export { ApiError } from './api-error.js';
export { InfraPilotClient, ORG_HEADER, type ClientOptions, type StoredTokens } from './client.js';
