// Tests only: reads nginx config text into directives the way nginx itself does
// (ngx_conf_read_token in src/core/ngx_conf_file.c of nginx 1.22), so a test can ask what
// nginx will see: which directives, and which arguments after unquoting and unescaping.
// Deliberately faithful to nginx's quirks: `}` inside an unquoted word does not end it,
// `#` starts a comment only at the start of a word, a closing quote must be followed by
// a space, `;` or `{`, and `\"`, `\'`, `\\`, `\t`, `\r`, `\n` are unescaped in any word.

export interface ParsedDirective {
  name: string;
  /** Arguments as nginx stores them: quotes removed, escapes applied. */
  args: string[];
  /** The directives of a `{ ... }` block; undefined for a simple directive. */
  block?: ParsedDirective[];
}

export interface ParsedConfig {
  directives: ParsedDirective[];
  /** Every comment, without its `#`, in order. */
  comments: string[];
}

export class NginxParseError extends Error {}

const SPACE = new Set([' ', '\t', '\r', '\n']);

function unescape(raw: string): string {
  let out = '';
  for (let index = 0; index < raw.length; index++) {
    const character = raw[index]!;
    if (character === '\\' && index + 1 < raw.length) {
      const next = raw[index + 1]!;
      if (next === '"' || next === "'" || next === '\\') {
        out += next;
        index++;
        continue;
      }
      const control = { t: '\t', r: '\r', n: '\n' }[next];
      if (control !== undefined) {
        out += control;
        index++;
        continue;
      }
    }
    out += character;
  }
  return out;
}

type Token = { kind: 'word'; value: string } | { kind: ';' | '{' | '}' } | { kind: 'comment'; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const character = text[index]!;
    if (SPACE.has(character)) {
      index++;
      continue;
    }
    if (character === ';' || character === '{' || character === '}') {
      tokens.push({ kind: character });
      index++;
      continue;
    }
    if (character === '#') {
      const end = text.indexOf('\n', index);
      const stop = end === -1 ? text.length : end;
      tokens.push({ kind: 'comment', value: text.slice(index + 1, stop) });
      index = stop;
      continue;
    }
    if (character === '"' || character === "'") {
      let end = index + 1;
      while (end < text.length && text[end] !== character) end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) throw new NginxParseError(`unterminated ${character} string at offset ${index}`);
      tokens.push({ kind: 'word', value: unescape(text.slice(index + 1, end)) });
      const after = text[end + 1];
      if (after !== undefined && !SPACE.has(after) && after !== ';' && after !== '{') {
        throw new NginxParseError(`unexpected "${after}" after a quoted string at offset ${end + 1}`);
      }
      index = end + 1;
      continue;
    }
    // An unquoted word ends at a space, `;` or `{` (not at `}`); `\` protects the next character.
    let end = index;
    let variable = false;
    while (end < text.length) {
      const current = text[end]!;
      if (current === '{' && variable) {
        end++;
        continue;
      }
      variable = false;
      if (current === '\\') {
        end += 2;
        continue;
      }
      if (current === '$') variable = true;
      else if (SPACE.has(current) || current === ';' || current === '{') break;
      end++;
    }
    tokens.push({ kind: 'word', value: unescape(text.slice(index, Math.min(end, text.length))) });
    index = end;
  }
  return tokens;
}

/** Parses a config file (or the http-context file the agent writes) into directives. */
export function parseNginxConfig(text: string): ParsedConfig {
  const tokens = tokenize(text);
  const comments: string[] = [];
  let position = 0;

  function readBlock(nested: boolean): ParsedDirective[] {
    const directives: ParsedDirective[] = [];
    let words: string[] = [];
    while (position < tokens.length) {
      const token = tokens[position++]!;
      if (token.kind === 'comment') {
        comments.push(token.value);
      } else if (token.kind === 'word') {
        words.push(token.value);
      } else if (token.kind === ';') {
        if (words.length === 0) throw new NginxParseError('unexpected ";"');
        directives.push({ name: words[0]!, args: words.slice(1) });
        words = [];
      } else if (token.kind === '{') {
        if (words.length === 0) throw new NginxParseError('unexpected "{"');
        directives.push({ name: words[0]!, args: words.slice(1), block: readBlock(true) });
        words = [];
      } else {
        if (words.length > 0) throw new NginxParseError('unexpected "}"');
        if (!nested) throw new NginxParseError('unexpected "}" at the top level');
        return directives;
      }
    }
    if (words.length > 0) throw new NginxParseError('unexpected end of file, expecting ";" or "}"');
    if (nested) throw new NginxParseError('unexpected end of file, expecting "}"');
    return directives;
  }

  return { directives: readBlock(false), comments };
}

/** Every directive of a tree, depth first. */
export function allDirectives(directives: readonly ParsedDirective[]): ParsedDirective[] {
  return directives.flatMap((directive) => [directive, ...allDirectives(directive.block ?? [])]);
}
