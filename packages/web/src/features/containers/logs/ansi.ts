import Anser from 'anser';
import type { CSSProperties } from 'react';

/** One run of text with one look. */
export interface AnsiSegment {
  text: string;
  className?: string;
  style?: CSSProperties;
}

// CSI sequences (colours, cursor moves), OSC sequences (titles, links) and lone two-byte escapes.
const ANSI_SEQUENCE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** The text as it reads, without escape sequences: what search matches and what a download holds. */
export function stripAnsi(text: string): string {
  return text.includes('\u001b') ? text.replace(ANSI_SEQUENCE, '') : text;
}

/**
 * The 16 standard colours as theme-aware classes (darker in light mode, lighter in dark),
 * written out in full so Tailwind finds them.
 */
const FOREGROUND: Record<string, string> = {
  'ansi-black': 'text-slate-900 dark:text-slate-400',
  'ansi-red': 'text-red-700 dark:text-red-400',
  'ansi-green': 'text-green-700 dark:text-green-400',
  'ansi-yellow': 'text-yellow-700 dark:text-yellow-300',
  'ansi-blue': 'text-blue-700 dark:text-blue-400',
  'ansi-magenta': 'text-fuchsia-700 dark:text-fuchsia-400',
  'ansi-cyan': 'text-cyan-700 dark:text-cyan-400',
  'ansi-white': 'text-slate-500 dark:text-slate-200',
  'ansi-bright-black': 'text-slate-600 dark:text-slate-500',
  'ansi-bright-red': 'text-red-600 dark:text-red-300',
  'ansi-bright-green': 'text-green-600 dark:text-green-300',
  'ansi-bright-yellow': 'text-yellow-600 dark:text-yellow-200',
  'ansi-bright-blue': 'text-blue-600 dark:text-blue-300',
  'ansi-bright-magenta': 'text-fuchsia-600 dark:text-fuchsia-300',
  'ansi-bright-cyan': 'text-cyan-600 dark:text-cyan-300',
  'ansi-bright-white': 'text-slate-400 dark:text-white',
};

const BACKGROUND: Record<string, string> = {
  'ansi-black': 'bg-slate-900 text-slate-100',
  'ansi-red': 'bg-red-200 dark:bg-red-900',
  'ansi-green': 'bg-green-200 dark:bg-green-900',
  'ansi-yellow': 'bg-yellow-200 dark:bg-yellow-900',
  'ansi-blue': 'bg-blue-200 dark:bg-blue-900',
  'ansi-magenta': 'bg-fuchsia-200 dark:bg-fuchsia-900',
  'ansi-cyan': 'bg-cyan-200 dark:bg-cyan-900',
  'ansi-white': 'bg-slate-200 dark:bg-slate-600',
  'ansi-bright-black': 'bg-slate-300 dark:bg-slate-700',
  'ansi-bright-red': 'bg-red-100 dark:bg-red-800',
  'ansi-bright-green': 'bg-green-100 dark:bg-green-800',
  'ansi-bright-yellow': 'bg-yellow-100 dark:bg-yellow-800',
  'ansi-bright-blue': 'bg-blue-100 dark:bg-blue-800',
  'ansi-bright-magenta': 'bg-fuchsia-100 dark:bg-fuchsia-800',
  'ansi-bright-cyan': 'bg-cyan-100 dark:bg-cyan-800',
  'ansi-bright-white': 'bg-white text-slate-900',
};

const DECORATION: Record<string, string> = {
  bold: 'font-bold',
  dim: 'opacity-70',
  italic: 'italic',
  underline: 'underline',
  strikethrough: 'line-through',
  hidden: 'invisible',
};

/**
 * Splits a line into segments by its SGR codes (anser), as classes and styles for React
 * to render: the text is never HTML, so a log line cannot inject markup.
 */
export function parseAnsi(text: string): AnsiSegment[] {
  if (!text.includes('\u001b')) return [{ text }];
  return Anser.ansiToJson(text, { use_classes: true, remove_empty: true }).map((entry) => {
    const classes: string[] = [];
    const style: CSSProperties = {};
    colour(entry.fg, entry.fg_truecolor, FOREGROUND, classes, (value) => (style.color = value));
    colour(entry.bg, entry.bg_truecolor, BACKGROUND, classes, (value) => (style.backgroundColor = value));
    for (const decoration of entry.decorations ?? []) {
      const decorationClass = DECORATION[decoration];
      if (decorationClass) classes.push(decorationClass);
    }
    return {
      text: entry.content,
      ...(classes.length > 0 ? { className: classes.join(' ') } : {}),
      ...(Object.keys(style).length > 0 ? { style } : {}),
    };
  });
}

function colour(name: string | null, truecolor: string | null, named: Record<string, string>, classes: string[], setStyle: (value: string) => void): void {
  if (!name) return;
  const namedClass = named[name];
  if (namedClass) classes.push(namedClass);
  else if (name === 'ansi-truecolor' && truecolor) setStyle(`rgb(${truecolor})`);
  else if (name.startsWith('ansi-palette-')) {
    const rgb = paletteColour(Number(name.slice('ansi-palette-'.length)));
    if (rgb) setStyle(rgb);
  }
}

const BASE_16 = [
  '0, 0, 0', '187, 0, 0', '0, 187, 0', '187, 187, 0', '0, 0, 187', '187, 0, 187', '0, 187, 187', '255, 255, 255',
  '85, 85, 85', '255, 85, 85', '0, 255, 0', '255, 255, 85', '85, 85, 255', '255, 85, 255', '85, 255, 255', '255, 255, 255',
];

/** xterm's 256-colour palette: 16 base colours, a 6×6×6 cube, then 24 greys. */
export function paletteColour(index: number): string | undefined {
  if (!Number.isInteger(index) || index < 0 || index > 255) return undefined;
  if (index < 16) return `rgb(${BASE_16[index]})`;
  if (index < 232) {
    const cube = index - 16;
    const level = (step: number) => (step === 0 ? 0 : 55 + step * 40);
    return `rgb(${level(Math.floor(cube / 36))}, ${level(Math.floor(cube / 6) % 6)}, ${level(cube % 6)})`;
  }
  const grey = 8 + (index - 232) * 10;
  return `rgb(${grey}, ${grey}, ${grey})`;
}
