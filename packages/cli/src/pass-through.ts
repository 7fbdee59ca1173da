import type { Command, Option } from 'commander';

const passingThrough = new WeakSet<Command>();

/**
 * Marks a command whose last argument is a command line to run elsewhere, like
 * `docker exec CONTAINER CMD [ARGS...]`: every word after its fixed arguments belongs to
 * that command line, options included (`sh -c 'ls -l'`, `df -h`, `grep -i x`).
 */
export function passArgumentsThrough(command: Command): Command {
  passingThrough.add(command);
  // Commander then leaves words after the first argument alone within this command…
  return command.passThroughOptions();
}

/**
 * …but the root program reads its own options (--json, --server, -V, --help) anywhere
 * in the line, and hands words after an unknown option down as options to parse again,
 * where `-i` of `grep -i` would become our --interactive. Putting `--` right after the
 * fixed arguments stops both, so `containers exec web-1 app df -h` runs `df -h`. A `--`
 * the user typed is left as it is.
 */
export function separatePassThroughArguments(program: Command, args: string[]): string[] {
  let command = program;
  let operands = 0;
  for (let index = 0; index < args.length; index += 1) {
    const word = args[index]!;
    if (word === '--') return args;
    if (word.length > 1 && word.startsWith('-')) {
      index += valueWordsAfter(command, word);
      continue;
    }
    const subcommand = operands === 0 ? command.commands.find((candidate) => candidate.name() === word || candidate.aliases().includes(word)) : undefined;
    if (subcommand) {
      command = subcommand;
      continue;
    }
    operands += 1;
    if (passingThrough.has(command) && operands === fixedArgumentCount(command)) {
      const rest = args.slice(index + 1);
      if (rest.length === 0 || rest[0] === '--') return args;
      return [...args.slice(0, index + 1), '--', ...rest];
    }
  }
  return args;
}

/**
 * The words of a pass-through argument as the command receives them: without the `--`
 * that kept them apart, which commander leaves in when our options came first.
 */
export function passedThrough(words: string[]): string[] {
  return words[0] === '--' ? words.slice(1) : words;
}

function fixedArgumentCount(command: Command): number {
  return command.registeredArguments.filter((argument) => !argument.variadic).length;
}

/** How many following words an option takes as its value: 0 or 1. */
function valueWordsAfter(command: Command, word: string): number {
  if (word.startsWith('--')) {
    if (word.includes('=')) return 0;
    const option = findOption(command, word);
    return option?.required ? 1 : 0;
  }
  // A cluster of short flags (-it, -uroot, -iu root): a flag that takes a value ends it.
  for (let position = 1; position < word.length; position += 1) {
    const option = findOption(command, `-${word[position]}`);
    if (!option) return 0;
    if (option.required || option.optional) return position === word.length - 1 && option.required ? 1 : 0;
  }
  return 0;
}

/** The option of this command or of a parent (the global options). */
function findOption(command: Command, flag: string): Option | undefined {
  for (let current: Command | null = command; current; current = current.parent) {
    const option = current.options.find((candidate) => candidate.short === flag || candidate.long === flag);
    if (option) return option;
  }
  return undefined;
}
