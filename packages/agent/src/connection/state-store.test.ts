import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotEnrolledError, StateStore, type AgentCredentials } from './state-store.js';

const CREDENTIALS: AgentCredentials = {
  identity: { agentId: 'agent-1', orgId: 'org-1', serverUrl: 'https://cp.example.com:8443', enrolledAt: '2025-06-01T12:00:00.000Z' },
  keyPem: '-----BEGIN PRIVATE KEY-----\nkey-1\n-----END PRIVATE KEY-----\n',
  certificatePem: '-----BEGIN CERTIFICATE-----\ncert-1\n-----END CERTIFICATE-----\n',
  caPem: '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n',
};

describe('StateStore', () => {
  let parent: string;
  let directory: string;

  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'infrapilot-state-'));
    directory = join(parent, 'state');
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('saves an enrollment and loads it back', () => {
    const store = new StateStore(directory);
    expect(store.isEnrolled()).toBe(false);
    store.saveEnrollment(CREDENTIALS);
    expect(store.isEnrolled()).toBe(true);
    expect(new StateStore(directory).load()).toEqual(CREDENTIALS);
  });

  it('keeps every file owner-only in an owner-only directory, with no temporary files left', () => {
    new StateStore(directory).saveEnrollment(CREDENTIALS);
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    const files = readdirSync(directory).sort();
    expect(files).toEqual(['agent.crt', 'agent.key', 'ca.crt', 'identity.json']);
    for (const name of files) expect(statSync(join(directory, name)).mode & 0o777, name).toBe(0o600);
  });

  it('tells the host to join first when nothing was saved', () => {
    expect(() => new StateStore(directory).load()).toThrow(NotEnrolledError);
    expect(() => new StateStore(directory).load()).toThrow(/agent join/);
  });

  it('treats an enrollment cut short before the identity file as not enrolled', () => {
    const store = new StateStore(directory);
    store.saveEnrollment(CREDENTIALS);
    rmSync(join(directory, 'identity.json'));
    expect(store.isEnrolled()).toBe(false);
    expect(() => store.load()).toThrow(NotEnrolledError);
  });

  it('refuses a damaged identity file with a message naming it', () => {
    const store = new StateStore(directory);
    store.saveEnrollment(CREDENTIALS);
    writeFileSync(join(directory, 'identity.json'), JSON.stringify({ agentId: '', serverUrl: 'not a url' }));
    expect(() => store.load()).toThrow(/identity\.json is damaged/);
  });

  it('replaces key and certificate together on renewal', () => {
    const store = new StateStore(directory);
    store.saveEnrollment(CREDENTIALS);
    store.saveRenewal('key-2', 'cert-2');
    const loaded = store.load();
    expect(loaded.keyPem).toBe('key-2');
    expect(loaded.certificatePem).toBe('cert-2');
    expect(loaded.identity).toEqual(CREDENTIALS.identity);
    expect(readdirSync(directory).filter((name) => name.endsWith('.next'))).toEqual([]);
  });

  it('finishes a renewal a crash interrupted after staging both files', () => {
    const store = new StateStore(directory);
    store.saveEnrollment(CREDENTIALS);
    writeFileSync(join(directory, 'agent.crt.next'), 'cert-2', { mode: 0o600 });
    writeFileSync(join(directory, 'agent.key.next'), 'key-2', { mode: 0o600 });
    const loaded = store.load();
    expect([loaded.keyPem, loaded.certificatePem]).toEqual(['key-2', 'cert-2']);
    expect(existsSync(join(directory, 'agent.key.next'))).toBe(false);
  });

  it('finishes a renewal a crash interrupted between swapping the certificate and the key', () => {
    const store = new StateStore(directory);
    store.saveEnrollment(CREDENTIALS);
    writeFileSync(join(directory, 'agent.crt'), 'cert-2', { mode: 0o600 });
    writeFileSync(join(directory, 'agent.key.next'), 'key-2', { mode: 0o600 });
    const loaded = store.load();
    expect([loaded.keyPem, loaded.certificatePem]).toEqual(['key-2', 'cert-2']);
  });

  it('ignores a staged certificate whose key was never staged, keeping the matching old pair', () => {
    const store = new StateStore(directory);
    store.saveEnrollment(CREDENTIALS);
    writeFileSync(join(directory, 'agent.crt.next'), 'cert-2', { mode: 0o600 });
    const loaded = store.load();
    expect([loaded.keyPem, loaded.certificatePem]).toEqual([CREDENTIALS.keyPem, CREDENTIALS.certificatePem]);
    expect(readFileSync(join(directory, 'agent.crt'), 'utf8')).toBe(CREDENTIALS.certificatePem);
  });
});
