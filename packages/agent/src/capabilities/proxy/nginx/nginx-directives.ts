// A tiny builder for nginx config text, so every renderer indents and terminates the same
// way. Arguments are joined with single spaces as they are: callers pass only values that
// passed the strict grammar (or were quoted with quoteNginxString).

/** One line of a config: a directive with its arguments, a block, a comment or a blank line. */
export type ConfigLine = string;

const INDENT = '    ';

/** `name arg1 arg2;` */
export function directive(name: string, ...args: (string | number)[]): ConfigLine {
  return `${[name, ...args].join(' ')};`;
}

/** `name args { ... }` with its body indented one level; empty groups in the body are dropped. */
export function block(header: string, ...body: ConfigLine[][]): ConfigLine[] {
  const lines = joinSections(body);
  return [`${header} {`, ...lines.map((line) => (line === '' ? '' : `${INDENT}${line}`)), '}'];
}

/** Sections of lines separated by one blank line, empty sections left out. */
export function joinSections(sections: ConfigLine[][]): ConfigLine[] {
  return sections.filter((section) => section.length > 0).flatMap((section, index) => (index === 0 ? section : ['', ...section]));
}
