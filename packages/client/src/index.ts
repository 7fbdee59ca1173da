export { ApiError } from './api-error.js';
export { ORG_HEADER } from '@infrapilot/protocol';
export { InfraPilotClient, type ClientOptions, type StoredTokens } from './client.js';
