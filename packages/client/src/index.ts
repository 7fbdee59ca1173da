export { ApiError } from './api-error.js';
export { ORG_HEADER } from '@infrapilot/protocol';
export { InfraPilotClient, type ClientOptions, type StoredTokens } from './client.js';
export { followLiveEvents, liveSocketProtocols, liveSocketUrl, type FollowLiveEventsOptions, type LiveConnectionState, type LiveEventsFollower } from './live-events.js';
export {
  containerSocketUrl,
  followContainerLogs,
  openExecSession,
  type ExecHandlers,
  type ExecSession,
  type LogStreamHandlers,
  type SocketEnd,
} from './container-sockets.js';
