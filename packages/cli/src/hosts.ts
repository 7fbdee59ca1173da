import type { InfraPilotClient } from '@infrapilot/client';
import type { Agent } from '@infrapilot/protocol';
import { CliError } from './errors.js';

/** A host as commands name it in their output. */
export interface HostRef {
  id: string;
  name: string;
}

/** Every host of the current org, following the pages. */
export async function listHosts(client: InfraPilotClient): Promise<Agent[]> {
  const hosts: Agent[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.agents.list({ limit: 200, ...(cursor ? { cursor } : {}) });
    hosts.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return hosts;
}

/**
 * Finds the host `reference` names among `hosts`: its id, else its name, else its name in
 * any case (people type "Web-1" for "web-1"). A name two hosts share is refused with
 * their ids, rather than acting on whichever came first.
 */
export function findHost(hosts: Agent[], reference: string): HostRef {
  const byId = hosts.find((host) => host.id === reference);
  if (byId) return { id: byId.id, name: byId.name };
  let matches = hosts.filter((host) => host.name === reference);
  if (matches.length === 0) matches = hosts.filter((host) => host.name.toLowerCase() === reference.toLowerCase());
  if (matches.length === 1) return { id: matches[0]!.id, name: matches[0]!.name };
  if (matches.length > 1) {
    throw new CliError(`several hosts are called "${reference}" (${matches.map((host) => host.id).join(', ')}); name one by its id`);
  }
  if (hosts.length === 0) throw new CliError(`no host "${reference}": this org has no hosts yet; add one with \`infrapilot agents add NAME\``);
  throw new CliError(`no host "${reference}" in this org; hosts: ${hostNames(hosts)}`);
}

/** Resolves HOST (a name or an id) to the host it names. */
export async function resolveHost(client: InfraPilotClient, reference: string): Promise<HostRef> {
  return findHost(await listHosts(client), reference);
}

/** What a list command covers: one host, or every host of the org. */
export type HostScope = { kind: 'one'; host: HostRef; hosts: Agent[] } | { kind: 'all'; hosts: Agent[] };

/**
 * The scope of `ls [HOST] [--all-hosts]`: the host named, every host with --all-hosts,
 * and without either the only host there is — with several, guessing would list the
 * wrong one, so the error says how to choose. `usage` is the command to show in that
 * error; `allHosts` is undefined for commands that have no --all-hosts.
 */
export function chooseHostScope(hosts: Agent[], options: { host?: string | undefined; allHosts?: boolean | undefined }, usage: string): HostScope {
  if (options.host !== undefined && options.allHosts) throw new CliError('name a HOST or pass --all-hosts, not both');
  if (options.allHosts) return { kind: 'all', hosts };
  if (options.host !== undefined) return { kind: 'one', host: findHost(hosts, options.host), hosts };
  if (hosts.length === 1) return { kind: 'one', host: { id: hosts[0]!.id, name: hosts[0]!.name }, hosts };
  if (hosts.length === 0) throw new CliError('this org has no hosts yet; add one with `infrapilot agents add NAME`');
  const orAll = 'allHosts' in options ? ', or pass --all-hosts' : '';
  throw new CliError(`this org has ${hosts.length} hosts (${hostNames(hosts)}); name one, e.g. \`${usage} ${hosts[0]!.name}\`${orAll}`);
}

/** Resolves `ls [HOST] [--all-hosts]` against the org's hosts. */
export async function resolveHostScope(
  client: InfraPilotClient,
  options: { host?: string | undefined; allHosts?: boolean | undefined },
  usage: string,
): Promise<HostScope> {
  return chooseHostScope(await listHosts(client), options, usage);
}

/** Resolves `[HOST]` of a command about one host: the host named, or the only one. */
export async function resolveHostOrOnly(client: InfraPilotClient, host: string | undefined, usage: string): Promise<HostRef> {
  const scope = chooseHostScope(await listHosts(client), { host }, usage);
  if (scope.kind !== 'one') throw new CliError(`name a host, e.g. \`${usage} web-1\``);
  return scope.host;
}

function hostNames(hosts: Agent[]): string {
  const names = hosts.map((host) => host.name);
  return names.length > 10 ? `${names.slice(0, 10).join(', ')}, …` : names.join(', ');
}
