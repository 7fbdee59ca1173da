import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { CliError } from '../errors.js';
import { formatTime } from '../output.js';

/** `orgs list|create|use|rename`: the organizations you belong to. */
export function registerOrgsCommands(program: Command, cli: CliRuntime): void {
  const orgs = program.command('orgs').description('organizations you belong to');

  orgs
    .command('list', { isDefault: true })
    .description('list your orgs; * marks the one commands act in')
    .action(async (_options: unknown, command: Command) => {
      const client = cli.client(command);
      const [page, me] = await Promise.all([client.orgs.list(), client.auth.me()]);
      const output = cli.output(command);
      output.result(page, () => {
        output.table(
          ['', 'id', 'slug', 'name', 'your role'],
          page.items.map((org) => [org.id === me.org?.id ? '*' : '', org.id, org.slug, org.name, org.role]),
        );
        output.nextPage(page.nextCursor);
      });
    });

  orgs
    .command('create')
    .description('create an org (you become its super_admin)')
    .argument('<name>', 'display name')
    .option('--slug <slug>', 'short name for URLs and --org (derived from the name when omitted)')
    .action(async (name: string, options: { slug?: string }, command: Command) => {
      const org = await cli.client(command).orgs.create({ name, slug: options.slug });
      const output = cli.output(command);
      output.result(org, () => {
        output.fields([
          ['Created org', `${org.name} (${org.slug})`],
          ['Id', org.id],
          ['Created', formatTime(org.createdAt)],
        ]);
        output.note(`Act in it with \`infrapilot orgs use ${org.slug}\`.`);
      });
    });

  orgs
    .command('use')
    .description('act in this org from now on (remembered in the config file)')
    .argument('<idOrSlug>', 'the org id or slug')
    .action(async (idOrSlug: string, _options: unknown, command: Command) => {
      const client = cli.client(command);
      // Without the remembered org, so a stale one (say, a deleted org) cannot block choosing another.
      client.useOrg(undefined);
      const page = await client.orgs.list();
      const wanted = idOrSlug.trim().toLowerCase();
      const org = page.items.find((candidate) => candidate.id === wanted || candidate.slug === wanted);
      if (!org) throw new CliError(`you are not a member of an org "${idOrSlug}"; see \`infrapilot orgs list\``);
      cli.store.update({ org: org.slug });
      const output = cli.output(command);
      output.result(org, () => output.line(`Now acting in ${org.name} (${org.slug}) as ${org.role}.`));
    });

  orgs
    .command('rename')
    .description('rename the current org')
    .argument('<name>', 'the new display name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const org = await cli.client(command).orgs.updateCurrent({ name });
      const output = cli.output(command);
      output.result(org, () => output.line(`Renamed org ${org.slug} to "${org.name}".`));
    });
}
