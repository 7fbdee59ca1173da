import { createInterface as createLineReader } from 'node:readline';
import { createInterface as createQuestioner } from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { CliContext } from './context.js';
import { CliError } from './errors.js';

/** Asks the person at the keyboard, or reads answers line by line from a pipe. */
export interface Prompter {
  /** The answer, or undefined when stdin has ended. Prompts go to stderr. */
  ask(question: string, options?: { hidden?: boolean }): Promise<string | undefined>;
  /** Lets go of stdin so the process can exit. */
  close(): void;
}

/** Picks the prompter for this stdin: interactive with hidden passwords on a terminal, line reading otherwise. */
export function createPrompter(context: CliContext): Prompter {
  return context.stdinIsTTY ? terminalPrompter(context) : pipedPrompter(context);
}

// From a pipe (scripts, tests) each answer is the next line; nothing is echoed, so
// there is nothing to hide. One reader serves every question, since it buffers ahead.
function pipedPrompter(context: CliContext): Prompter {
  let reader: ReturnType<typeof createLineReader> | undefined;
  let lines: AsyncIterator<string> | undefined;
  return {
    async ask(question) {
      context.stderr.write(question);
      reader ??= createLineReader({ input: context.stdin, terminal: false, crlfDelay: Infinity });
      lines ??= reader[Symbol.asyncIterator]();
      const next = await lines.next();
      context.stderr.write('\n');
      return next.done ? undefined : next.value;
    },
    close() {
      reader?.close();
    },
  };
}

// On a terminal readline puts the tty in raw mode and echoes keys itself, so muting
// its output is enough to hide a password without touching terminal settings by hand.
function terminalPrompter(context: CliContext): Prompter {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      if (!muted) context.stderr.write(chunk.toString());
      callback();
    },
  });
  return {
    async ask(question, options = {}) {
      const questioner = createQuestioner({ input: context.stdin, output, terminal: true });
      const cancel = new AbortController();
      // Without a listener readline swallows Ctrl-C and the prompt would hang.
      questioner.on('SIGINT', () => cancel.abort());
      try {
        muted = false;
        const answer = questioner.question(question, { signal: cancel.signal });
        muted = options.hidden === true;
        return await answer;
      } catch (error) {
        if (cancel.signal.aborted) throw new CliError('cancelled');
        throw error;
      } finally {
        muted = false;
        questioner.close();
        if (options.hidden) context.stderr.write('\n');
      }
    },
    close() {},
  };
}

/** Asks until it gets a non-empty answer; a closed stdin is an error naming the flag to use instead. */
export async function askRequired(prompter: Prompter, question: string, flagHint: string, hidden = false): Promise<string> {
  for (;;) {
    const answer = await prompter.ask(question, { hidden });
    if (answer === undefined) throw new CliError(`no input for "${question.replace(/:\s*$/, '')}"; pass ${flagHint}`);
    if (answer.trim()) return hidden ? answer : answer.trim();
  }
}

/**
 * Asks before removing something (`what`, e.g. "certificate lab (lab.test)"); only "y" or
 * "yes" goes ahead. Without an answer (stdin closed, as in a script) it refuses and names
 * --yes, so a script never removes anything by accident.
 */
export async function confirmRemoval(prompter: Prompter, what: string): Promise<void> {
  const answer = await prompter.ask(`Remove ${what}? [y/N] `);
  if (answer === undefined) throw new CliError('not removed: no answer to the confirmation; pass --yes to remove without asking');
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('not removed');
}
