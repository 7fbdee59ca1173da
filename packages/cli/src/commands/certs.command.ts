import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InfraPilotClient } from '@infrapilot/client';
import { type Certificate, CertificateUploadSchema, type ProxyHost } from '@infrapilot/protocol';
import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import type { TextSink } from '../context.js';
import { CliError } from '../errors.js';
import { type HostRef, resolveHost } from '../hosts.js';
import { integerIn } from '../option-parsers.js';
import type { Output } from '../output.js';
import { confirmRemoval } from '../prompt.js';
import { certificateSummary, certificateTable } from './certs.render.js';
import { resolveProxyHost } from './proxy-options.js';
import { proxyHostSummary } from './proxies.render.js';

/** How often a waiting command asks whether the certificate is issued. */
const POLL_INTERVAL_MS = 1_000;
/** ACME orders finish in seconds; past this something is stuck and waiting longer helps nobody. */
const WAIT_LIMIT_MS = 10 * 60_000;

/** `certs ls|issue|upload|rm`: the org's TLS certificates. */
export function registerCertsCommands(program: Command, cli: CliRuntime): void {
  const certs = program.command('certs').alias('certificates').description('TLS certificates: ACME-issued, uploaded or self-signed, and the proxy hosts using them');

  certs
    .command('ls')
    .alias('list')
    .description('list certificates with their domains, status, expiry and the proxy hosts using them')
    .action(async (_options: unknown, command: Command) => {
      const client = cli.client(command);
      const certificates = await listCertificates(client);
      const output = cli.output(command);
      output.result({ items: certificates, nextCursor: null }, () => {
        const table = certificateTable(certificates, new Date());
        output.table(table.head, table.rows);
      });
    });

  certs
    .command('issue')
    .description("get a certificate for a proxy host and serve HTTPS with it: from the ACME CA (the default, HTTP-01 through the host's nginx), or self-signed")
    .argument('<host>', 'a host name or id')
    .argument('<proxy>', "the proxy host's domain or id")
    .option('--self-signed', 'make a self-signed certificate instead (browsers will warn)')
    .option('--days <n>', 'with --self-signed: days it is valid (1-3650; default 365)', integerIn(1, 3650))
    .option('--no-wait', 'return once the ACME order is placed instead of waiting for the certificate')
    .action(async (host: string, reference: string, options: { selfSigned?: boolean; days?: number; wait: boolean }, command: Command) => {
      if (options.days !== undefined && !options.selfSigned) throw new CliError('--days applies only with --self-signed');
      const client = cli.client(command);
      const output = cli.output(command);
      const target = await resolveHost(client, host);
      const proxyHost = await resolveProxyHost(client, target, reference);
      const source = options.selfSigned ? 'self-signed' : 'acme';
      const result = await requestCertificate(cli, client, output, target, proxyHost, source, { wait: options.wait, days: options.days });
      // The certificate is what this command is about; in JSON it is printed whole, as `certs ls` lists it.
      if (output.json) output.result(result.certificate ?? (await client.certificates.get(result.certificateId)), () => {});
    });

  certs
    .command('upload')
    .description('upload a certificate (with its chain) and its private key, in PEM, to attach to proxy hosts with `proxies edit --cert`')
    .requiredOption('--cert <file>', 'the certificate and its chain, PEM; - reads stdin')
    .requiredOption('--key <file>', 'its private key, PEM; - reads stdin')
    .option('--name <name>', 'a name to find it by (default: its first domain)')
    .action(async (options: { cert: string; key: string; name?: string }, command: Command) => {
      if (options.cert === '-' && options.key === '-') throw new CliError('only one of --cert and --key can read stdin');
      const certificatePem = pemField('certificatePem', '--cert', options.cert, await readInput(cli, options.cert));
      const privateKeyPem = pemField('privateKeyPem', '--key', options.key, await readInput(cli, options.key));
      const certificate = await cli.client(command).certificates.upload({ certificatePem, privateKeyPem, ...(options.name ? { name: options.name } : {}) });
      const output = cli.output(command);
      output.result(certificate, () => output.line(`Uploaded ${certificate.id}: ${certificateSummary(certificate, new Date())}`));
    });

  certs
    .command('rm')
    .alias('remove')
    .description('remove a certificate no proxy host uses (detach it first with `proxies edit --no-ssl` or another --cert)')
    .argument('<certificate>', 'its id or name')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (reference: string, options: { yes?: boolean }, command: Command) => {
      const client = cli.client(command);
      const certificate = await resolveCertificate(client, reference);
      if (!options.yes) await confirmRemoval(cli.prompter, `certificate ${certificate.name} (${certificate.domains.join(', ')})`);
      const reply = await client.certificates.remove(certificate.id);
      const output = cli.output(command);
      output.result(reply, () => output.line(`Removed certificate ${certificate.name} (${certificate.id}).`));
    });
}

/** Every certificate of the org, following the pages. */
export async function listCertificates(client: InfraPilotClient): Promise<Certificate[]> {
  const certificates: Certificate[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.certificates.list({ limit: 200, ...(cursor ? { cursor } : {}) });
    certificates.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return certificates;
}

/**
 * Finds the certificate `reference` names: its id, else its name, else its name in any
 * case. A name several certificates share is refused with their ids.
 */
export function findCertificate(certificates: Certificate[], reference: string): Certificate {
  const byId = certificates.find((certificate) => certificate.id === reference);
  if (byId) return byId;
  let matches = certificates.filter((certificate) => certificate.name === reference);
  if (matches.length === 0) matches = certificates.filter((certificate) => certificate.name.toLowerCase() === reference.toLowerCase());
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new CliError(`several certificates are called "${reference}" (${matches.map((certificate) => certificate.id).join(', ')}); name one by its id`);
  if (certificates.length === 0) throw new CliError(`no certificate "${reference}": this org has none yet`);
  throw new CliError(`no certificate "${reference}" in this org; see \`infrapilot certs ls\``);
}

/** Resolves a certificate's id or name. */
export async function resolveCertificate(client: InfraPilotClient, reference: string): Promise<Certificate> {
  return findCertificate(await listCertificates(client), reference);
}

/** What `requestCertificate` ends with: the proxy host, and the certificate once it is settled. */
export interface CertificateRequestResult {
  proxyHost: ProxyHost;
  certificateId: string;
  certificate?: Certificate;
}

/**
 * Attaches a new certificate to a proxy host (POST .../ssl) and, for ACME unless told not
 * to wait, follows the order until the certificate is valid and served, printing progress
 * on stderr and the outcome on stdout. A failed order is an error with the CA's reason.
 */
export async function requestCertificate(
  cli: CliRuntime,
  client: InfraPilotClient,
  output: Output,
  host: HostRef,
  proxyHost: ProxyHost,
  source: 'acme' | 'self-signed',
  options: { wait: boolean; days?: number | undefined },
): Promise<CertificateRequestResult> {
  if (source === 'self-signed') {
    const updated = await client.proxies.requestSsl(host.id, proxyHost.id, { source: 'self_signed', ...(options.days === undefined ? {} : { days: options.days }) });
    if (!output.json) output.line(proxyHostSummary(updated, new Date()));
    return { proxyHost: updated, certificateId: attachedCertificate(updated) };
  }
  const requested = await client.proxies.requestSsl(host.id, proxyHost.id, { source: 'acme' });
  const certificateId = attachedCertificate(requested);
  if (!options.wait) {
    if (!output.json) output.line(`Requested a certificate for ${proxyHost.domain} from the ACME CA; follow it with \`infrapilot certs ls\`.`);
    return { proxyHost: requested, certificateId };
  }
  output.note(`Waiting for the ACME CA to issue a certificate for ${proxyHost.domain} (Ctrl-C stops waiting; the order goes on)…`);
  const certificate = await waitForCertificate(client, certificateId, cli.context.stderr);
  if (certificate.status === 'failed') {
    throw new CliError(`no certificate for ${proxyHost.domain}: ${certificate.lastError ?? 'the ACME CA gave no reason'}; it still serves HTTP; retry with \`infrapilot certs issue ${host.name} ${proxyHost.domain}\``);
  }
  output.note(certificateSummary(certificate, new Date()));
  const served = await waitUntilServed(client, host, proxyHost.id, certificate);
  if (!output.json) output.line(proxyHostSummary(served, new Date()));
  return { proxyHost: served, certificateId, certificate };
}

function attachedCertificate(proxyHost: ProxyHost): string {
  if (!proxyHost.certificateId) throw new CliError(`the server attached no certificate to ${proxyHost.domain}`);
  return proxyHost.certificateId;
}

/** Polls a certificate until it is no longer pending (or the wait limit passes). */
export async function waitForCertificate(client: InfraPilotClient, certificateId: string, progress: TextSink): Promise<Certificate> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  let dots = false;
  try {
    for (;;) {
      const certificate = await client.certificates.get(certificateId);
      if (certificate.status !== 'pending') return certificate;
      if (Date.now() > deadline) throw new CliError(`the certificate ${certificate.name} is still pending; follow it with \`infrapilot certs ls\``);
      // A dot a second on stderr shows the wait is alive without filling a log with lines.
      progress.write('.');
      dots = true;
      await sleep(POLL_INTERVAL_MS);
    }
  } finally {
    if (dots) progress.write('\n');
  }
}

/**
 * Once issued, the server redeploys every proxy host using the certificate; this waits
 * until the proxy host serves it (or says why it could not), so "HTTPS" is not claimed early.
 */
async function waitUntilServed(client: InfraPilotClient, host: HostRef, proxyHostId: string, certificate: Certificate): Promise<ProxyHost> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const proxyHost = await client.proxies.get(host.id, proxyHostId);
    if (proxyHost.sslEnabled && proxyHost.certificateId === certificate.id) return proxyHost;
    if (proxyHost.status === 'error' && failedSince(proxyHost, certificate)) {
      throw new CliError(`the certificate was issued but ${proxyHost.domain} could not serve it: ${proxyHost.lastError ?? 'no reason given'}`);
    }
    if (Date.now() > deadline) throw new CliError(`the certificate was issued but ${proxyHost.domain} does not serve it yet; check \`infrapilot proxies ls ${host.name}\``);
    await sleep(POLL_INTERVAL_MS);
  }
}

/**
 * Whether a proxy host's error is about deploying this certificate: the redeploy that
 * follows the issue records its failure after the certificate became valid. An older error
 * (a change refused before the order) stays until that redeploy replaces it, and must not
 * end the wait. Both times are the server's clock, so the client's does not matter; equal
 * counts as after, since a redeploy can fail within the same millisecond.
 */
function failedSince(proxyHost: ProxyHost, certificate: Certificate): boolean {
  return Date.parse(proxyHost.updatedAt) >= Date.parse(certificate.updatedAt);
}

/** A file's text, or stdin's for `-`. */
async function readInput(cli: CliRuntime, path: string): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of cli.context.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** Checks one PEM as the API would, naming the flag and the file in the error. */
function pemField(field: 'certificatePem' | 'privateKeyPem', flag: string, path: string, text: string): string {
  const parsed = CertificateUploadSchema.shape[field].safeParse(text);
  if (!parsed.success) {
    const from = path === '-' ? 'stdin' : path;
    throw new CliError(`${flag} ${from}: ${parsed.error.issues[0]?.message.replace(`${field} `, '') ?? 'is not PEM'}`);
  }
  return parsed.data;
}
