import { create } from '@bufbuild/protobuf';
import { ProxyChallengeResultSchema, type ProxyChallengeCommand, type ProxyChallengeResult } from '@infrapilot/protocol/agent';
import { CommandFailure } from '../registry.js';
import { FILE_MODES, removeFile, writeFileAtomic } from './managed-files.js';
import { challengePathOf } from './nginx/nginx-layout.js';
import { throwIfCancelled } from './proxy-apply.js';
import type { ProxyContext } from './proxy-context.js';
import { prepareChallengeDirectory } from './webroot.js';

// RFC 8555 §8.3: the token is base64url; the key authorization is token "." thumbprint,
// both base64url. Anything else would be a path or content the CA never asked for.
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
const KEY_AUTHORIZATION = /^[A-Za-z0-9_.-]{1,512}$/;

/**
 * proxy.challenge: writes (or removes) one ACME HTTP-01 answer in the webroot every HTTP
 * server block serves at /.well-known/acme-challenge/. nginx serves new files without a
 * reload, so none happens; the file is world-readable for nginx's workers.
 */
export async function answerChallenge(context: ProxyContext, command: ProxyChallengeCommand, signal: AbortSignal): Promise<ProxyChallengeResult> {
  if (!TOKEN.test(command.token)) throw new CommandFailure('invalid_argument', 'token: must be 1 to 256 base64url characters (A-Z, a-z, 0-9, "_", "-")');
  if (!command.remove && !KEY_AUTHORIZATION.test(command.keyAuthorization)) {
    throw new CommandFailure('invalid_argument', 'key_authorization: must be 1 to 512 base64url characters and "."');
  }
  await context.driver.requireAvailable();
  return context.queue.run(async () => {
    throwIfCancelled(signal);
    const path = challengePathOf(context.layout, command.token);
    if (command.remove) {
      await removeFile(path);
    } else {
      await prepareChallengeDirectory(context.layout);
      await writeFileAtomic(path, command.keyAuthorization, FILE_MODES.public);
    }
    return create(ProxyChallengeResultSchema, {});
  });
}
