import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Where `agent join` keeps this host's identity unless told otherwise. */
export const DEFAULT_STATE_DIR = '/var/lib/infrapilot';

const IdentitySchema = z.object({
  agentId: z.string().min(1),
  orgId: z.string().min(1),
  serverUrl: z.url(),
  enrolledAt: z.string(),
});

/** Who this host is to the control plane, written once by `agent join`. */
export type AgentIdentity = z.infer<typeof IdentitySchema>;

/** Everything the agent needs to open an mTLS session. */
export interface AgentCredentials {
  identity: AgentIdentity;
  keyPem: string;
  certificatePem: string;
  caPem: string;
}

/** Raised when the state dir holds no usable identity: the host must `agent join` first. */
export class NotEnrolledError extends Error {}

const FILES = {
  identity: 'identity.json',
  key: 'agent.key',
  certificate: 'agent.crt',
  ca: 'ca.crt',
} as const;

/**
 * The agent's state directory: identity, private key, certificate and pinned CA, each
 * 0600 in a 0700 directory, each replaced atomically (write a temporary file, rename)
 * so a crash mid-write never leaves half a key behind.
 */
export class StateStore {
  constructor(readonly directory: string) {}

  private path(name: string): string {
    return join(this.directory, name);
  }

  private write(name: string, contents: string): void {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    chmodSync(this.directory, 0o700);
    const target = this.path(name);
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, contents, { mode: 0o600 });
    renameSync(temporary, target);
  }

  isEnrolled(): boolean {
    return Object.values(FILES).every((name) => existsSync(this.path(name)));
  }

  load(): AgentCredentials {
    this.finishStagedRenewal();
    if (!this.isEnrolled()) {
      throw new NotEnrolledError(`No agent identity in ${this.directory}; run "agent join" first ("infrapilot agent join", or "infrapilot-agent join" where install.sh installed it)`);
    }
    const parsed = IdentitySchema.safeParse(JSON.parse(readFileSync(this.path(FILES.identity), 'utf8')));
    if (!parsed.success) throw new NotEnrolledError(`${this.path(FILES.identity)} is damaged; run "agent join --force" again`);
    return {
      identity: parsed.data,
      keyPem: readFileSync(this.path(FILES.key), 'utf8'),
      certificatePem: readFileSync(this.path(FILES.certificate), 'utf8'),
      caPem: readFileSync(this.path(FILES.ca), 'utf8'),
    };
  }

  /** Saves a new enrollment. The identity file goes last: it marks the state complete. */
  saveEnrollment(credentials: AgentCredentials): void {
    this.write(FILES.ca, credentials.caPem);
    this.write(FILES.key, credentials.keyPem);
    this.write(FILES.certificate, credentials.certificatePem);
    this.write(FILES.identity, `${JSON.stringify(credentials.identity, null, 2)}\n`);
  }

  /**
   * Replaces key and certificate after a renewal. Both are staged as `.next` files
   * first; load() finishes a swap a crash interrupted, so the pair on disk always matches.
   */
  saveRenewal(keyPem: string, certificatePem: string): void {
    this.write(`${FILES.certificate}.next`, certificatePem);
    this.write(`${FILES.key}.next`, keyPem);
    this.finishStagedRenewal();
  }

  private finishStagedRenewal(): void {
    const stagedKey = this.path(`${FILES.key}.next`);
    const stagedCertificate = this.path(`${FILES.certificate}.next`);
    // The key is staged last, so a staged key means the staged certificate is complete.
    if (existsSync(stagedKey) && existsSync(stagedCertificate)) {
      renameSync(stagedCertificate, this.path(FILES.certificate));
      renameSync(stagedKey, this.path(FILES.key));
    } else if (existsSync(stagedKey)) {
      // The certificate was already swapped in; finish with its key.
      renameSync(stagedKey, this.path(FILES.key));
    }
  }
}
