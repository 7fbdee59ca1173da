import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalCa } from '../platform/crypto/internal-ca.js';
import { freePort } from './free-port.js';

export const PEBBLE_BINARY = '/usr/bin/pebble';
export const CHALLTESTSRV_BINARY = '/usr/bin/pebble-challtestsrv';

/** A running pebble (Let's Encrypt's test ACME CA) with its own DNS (pebble-challtestsrv). */
export interface TestPebble {
  /** The ACME directory, e.g. https://127.0.0.1:40123/dir. */
  directoryUrl: string;
  /** PEM file of the CA of pebble's own HTTPS certificate: the server's acmeCaFile. */
  caFile: string;
  /** The root pebble issues certificates under (management API /roots/0): what a client of an issued certificate trusts. */
  issuingRoot(): Promise<string>;
  stop(): Promise<void>;
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { ca, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`GET ${url} timed out`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Starts a process, keeping what it prints so a failed start can say why. */
function startProcess(argv: [string, ...string[]], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const [command, ...args] = argv;
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (error) => keep(Buffer.from(`\n${String(error)}\n`)));
  return { child, output: () => output };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts pebble and pebble-challtestsrv on free loopback ports. challtestsrv is pebble's
 * DNS and answers every A query with 127.0.0.1, so pebble validates HTTP-01 challenges
 * at http://127.0.0.1:<httpPort>/.well-known/acme-challenge/<token>: give it the test
 * nginx's HTTP port. Debian's pebble ships no certificates for its own HTTPS, so a CA and
 * a localhost certificate are made here.
 */
export async function startPebble(options: { httpPort: number }): Promise<TestPebble> {
  const directory = mkdtempSync(join(tmpdir(), 'infrapilot-pebble-'));
  const processes: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map(stopProcess));
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const ca = await InternalCa.create('pebble test HTTPS CA');
    const tls = await ca.issueServerCertificate(['localhost', '127.0.0.1']);
    const caFile = join(directory, 'ca.pem');
    writeFileSync(caFile, tls.caPem);
    writeFileSync(join(directory, 'cert.pem'), tls.certificateChainPem);
    writeFileSync(join(directory, 'key.pem'), tls.keyPem, { mode: 0o600 });

    const [acmePort, managementPort, tlsPort, dnsPort, challengeManagementPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const configFile = join(directory, 'pebble-config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${acmePort}`,
          managementListenAddress: `127.0.0.1:${managementPort}`,
          certificate: join(directory, 'cert.pem'),
          privateKey: join(directory, 'key.pem'),
          httpPort: options.httpPort,
          tlsPort,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
        },
      }),
    );

    const dns = startProcess(
      [
        CHALLTESTSRV_BINARY,
        '-defaultIPv4', '127.0.0.1',
        '-defaultIPv6', '',
        '-dns01', `127.0.0.1:${dnsPort}`,
        '-http01', '',
        '-https01', '',
        '-tlsalpn01', '',
        '-management', `127.0.0.1:${challengeManagementPort}`,
      ],
      {},
    );
    processes.push(dns.child);
    // No sleeps between validation attempts; never reject a good nonce (acme-client would
    // retry, slowly); never reuse a valid authorization, so every order (a renewal too)
    // really goes through its HTTP-01 challenge.
    const pebble = startProcess([PEBBLE_BINARY, '-config', configFile, '-dnsserver', `127.0.0.1:${dnsPort}`], {
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
      PEBBLE_AUTHZREUSE: '0',
    });
    processes.push(pebble.child);

    const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      for (const [name, started] of [['pebble', pebble], ['pebble-challtestsrv', dns]] as const) {
        if (started.child.exitCode !== null) throw new Error(`${name} exited with ${started.child.exitCode}:\n${started.output()}`);
      }
      const answer = await get(directoryUrl, tls.caPem).catch(() => undefined);
      if (answer?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`pebble's directory did not answer at ${directoryUrl}:\n${pebble.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    return {
      directoryUrl,
      caFile,
      async issuingRoot() {
        const answer = await get(`https://127.0.0.1:${managementPort}/roots/0`, tls.caPem);
        if (answer.status !== 200) throw new Error(`pebble's management API answered ${answer.status} for /roots/0`);
        return answer.body;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
