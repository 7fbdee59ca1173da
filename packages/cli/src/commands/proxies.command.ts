import type { InfraPilotClient } from '@infrapilot/client';
import type { ProxyHost } from '@infrapilot/protocol';
import { Argument, type Command, Option } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { CliError } from '../errors.js';
import { ExitStatus } from '../exit-status.js';
import { type HostRef, resolveHost, resolveHostScope } from '../hosts.js';
import type { Output } from '../output.js';
import { confirmRemoval } from '../prompt.js';
import { requestCertificate, resolveCertificate } from './certs.command.js';
import { driftNote, problemNotes, proxyHostSummary, proxyHostTable } from './proxies.render.js';
import {
  addProxyFlags,
  applyProxyFlags,
  givenOptions,
  inputOf,
  listProxyHosts,
  newProxyHostInput,
  parseDomainArgument,
  type ProxyFlags,
  resolveProxyHost,
} from './proxy-options.js';

/** The SSL options of `add` and `edit`. */
interface SslFlags {
  cert?: string;
  /** false: --no-ssl (edit). */
  ssl?: 'acme' | 'self-signed' | false;
  wait: boolean;
}

type EditFlags = ProxyFlags & SslFlags;

const SSL_SOURCES = ['acme', 'self-signed'] as const;

/** `proxies ls|add|edit|rm|config|test`: domains nginx forwards to an address or a container, with HTTPS. */
export function registerProxiesCommands(program: Command, cli: CliRuntime): void {
  const proxies = program
    .command('proxies')
    .description('reverse proxy hosts on your hosts (nginx): a domain forwarded to an address or a container, with HTTPS, headers, rate limits and IP rules');

  proxies
    .command('ls')
    .alias('list')
    .description('list proxy hosts with their upstream, certificate and status')
    .argument('[host]', 'a host name or id; may be left out when the org has one host')
    .option('--all-hosts', 'proxy hosts of every host')
    .action(async (host: string | undefined, options: { allHosts?: boolean }, command: Command) => {
      const client = cli.client(command);
      const output = cli.output(command);
      const scope = await resolveHostScope(client, { host, allHosts: options.allHosts }, 'infrapilot proxies ls');
      const proxyHosts = await listProxyHosts(client, scope.kind === 'one' ? scope.host.id : undefined);
      output.result({ items: proxyHosts, nextCursor: null }, () => {
        const table = proxyHostTable(proxyHosts, new Date());
        output.table(table.head, table.rows);
      });
    });

  const add = proxies
    .command('add')
    .description('forward DOMAIN to an address or a container on HOST; nginx -t checks it before it goes live')
    .argument('<host>', 'a host name or id')
    .addArgument(new Argument('<domain>', 'e.g. app.example.com (an IDN is stored in punycode)').argParser(parseDomainArgument));
  addProxyFlags(add, 'add');
  addSslFlags(add, 'add').action(async (host: string, domain: string, options: EditFlags, command: Command) => {
    const client = cli.client(command);
    const output = cli.output(command);
    checkSslFlags(options);
    const target = await resolveHost(client, host);
    const certificateId = options.cert ? (await resolveCertificate(client, options.cert)).id : undefined;
    const { input } = applyProxyFlags(newProxyHostInput(domain, options.to), options, certificateId);
    const created = await client.proxies.create(target.id, input);
    if (!output.json) output.line(`Added ${proxyHostSummary(created, new Date())}`);
    const final = await afterSave(cli, client, output, target, created, options);
    // People have seen each step as it happened; scripts get the proxy host as it ended up.
    output.result(final, () => {});
  });

  const edit = proxies
    .command('edit')
    .description('change a proxy host: only the options given change (with none, InfraPilot writes its file back, undoing hand edits)')
    .argument('<host>', 'a host name or id')
    .argument('<proxy>', "the proxy host's domain or id");
  addProxyFlags(edit, 'edit');
  addSslFlags(edit, 'edit').action(async (host: string, reference: string, options: EditFlags, command: Command) => {
    const client = cli.client(command);
    const output = cli.output(command);
    checkSslFlags(options);
    const target = await resolveHost(client, host);
    const current = await resolveProxyHost(client, target, reference);
    const certificateId = options.ssl === false ? null : options.cert ? (await resolveCertificate(client, options.cert)).id : undefined;
    const applied = applyProxyFlags(inputOf(current), options, certificateId);
    if (applied.replacedIpRules > 0) output.note(`note: replaced ${current.domain}'s ${applied.replacedIpRules} IP rule(s) with the ${applied.input.ipRules.length} given`);
    if (applied.replacedRateLimits > 0) output.note(`note: replaced ${current.domain}'s ${applied.replacedRateLimits} rate limit(s) with the ${applied.input.rateLimits.length} given`);
    const updated = await client.proxies.update(target.id, current.id, applied.input);
    const verb = givenOptions(command).some((name) => name !== 'wait') ? 'Updated' : 'Rewrote';
    if (!output.json) output.line(`${verb} ${proxyHostSummary(updated, new Date())}`);
    const final = await afterSave(cli, client, output, target, updated, options);
    // As with add: the steps were printed as they happened.
    output.result(final, () => {});
  });

  proxies
    .command('rm')
    .alias('remove')
    .description('remove a proxy host: its nginx file goes and nginx reloads; its certificate and logs stay (see `certs rm`)')
    .argument('<host>', 'a host name or id')
    .argument('<proxy>', "the proxy host's domain or id")
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', "remove it even when the host is offline or its nginx unavailable: its settings go now, and the host's agent deletes the file when it reports it again")
    .action(async (host: string, reference: string, options: { yes?: boolean; force?: boolean }, command: Command) => {
      const client = cli.client(command);
      const target = await resolveHost(client, host);
      const proxyHost = await resolveProxyHost(client, target, reference);
      if (!options.yes) await confirmRemoval(cli.prompter, `proxy host ${proxyHost.domain} on ${target.name}`);
      const reply = await client.proxies.remove(target.id, proxyHost.id, options.force ? { force: true } : {});
      const output = cli.output(command);
      output.result(reply, () => output.line(`Removed ${proxyHost.domain} from ${target.name}.`));
    });

  proxies
    .command('config')
    .description('print the nginx file of a proxy host as InfraPilot renders it (stderr says when the one on the host drifted)')
    .argument('<host>', 'a host name or id')
    .argument('<proxy>', "the proxy host's domain or id")
    .action(async (host: string, reference: string, _options: unknown, command: Command) => {
      const client = cli.client(command);
      const output = cli.output(command);
      const target = await resolveHost(client, host);
      const proxyHost = await resolveProxyHost(client, target, reference);
      const config = await client.proxies.config(target.id, proxyHost.id);
      const drift = driftNote(config, proxyHost);
      if (drift) output.note(drift);
      output.result(config, () => cli.context.stdout.write(config.config.endsWith('\n') ? config.config : `${config.config}\n`));
    });

  const test = proxies
    .command('test')
    .description("run nginx -t on the host with this proxy host's file in place, or with the options given applied; nothing goes live. Exits 1 when nginx refuses it")
    .argument('<host>', 'a host name or id')
    .argument('<proxy>', "the proxy host's domain or id");
  addProxyFlags(test, 'test').action(async (host: string, reference: string, options: ProxyFlags, command: Command) => {
    const client = cli.client(command);
    const output = cli.output(command);
    const target = await resolveHost(client, host);
    const proxyHost = await resolveProxyHost(client, target, reference);
    const candidate = givenOptions(command).length > 0 ? applyProxyFlags(inputOf(proxyHost), options).input : undefined;
    const result = await client.proxies.test(target.id, proxyHost.id, candidate);
    output.result(result, () => {
      const text = result.output.trim();
      if (text) output.line(text);
    });
    if (!result.ok) {
      output.note(`error: nginx -t refused the configuration of ${proxyHost.domain} on ${target.name}${candidate ? ' with these options' : ''}`);
      throw new ExitStatus(1);
    }
  });
}

/** `--cert`, `--ssl` (and `--no-ssl` on edit), `--no-wait`. */
function addSslFlags(command: Command, mode: 'add' | 'edit'): Command {
  command
    .option('--cert <certificate>', 'serve HTTPS with this certificate (id or name, see `certs ls`)')
    .addOption(new Option('--ssl <source>', 'get a new certificate from the ACME CA (HTTP-01 through this nginx) or a self-signed one').choices(SSL_SOURCES));
  if (mode === 'edit') command.option('--no-ssl', 'detach the certificate and serve HTTP only');
  return command.option('--no-wait', 'with --ssl acme: return once the order is placed instead of waiting for the certificate');
}

function checkSslFlags(options: SslFlags): void {
  if (options.cert && options.ssl) throw new CliError('--cert attaches a certificate you have; --ssl gets a new one: give one of them');
  if (options.cert && options.ssl === false) throw new CliError('--cert and --no-ssl contradict each other');
}

/** After a save: gets the certificate `--ssl` asked for and prints what did not go live; returns the proxy host as it ends up. */
async function afterSave(cli: CliRuntime, client: InfraPilotClient, output: Output, host: HostRef, saved: ProxyHost, options: SslFlags): Promise<ProxyHost> {
  for (const note of problemNotes(saved)) output.note(note);
  if (!options.ssl) return saved;
  const result = await requestCertificate(cli, client, output, host, saved, options.ssl, { wait: options.wait });
  return result.proxyHost;
}
