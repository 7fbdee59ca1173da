import { describe, expect, it } from 'vitest';
import { paletteColour, parseAnsi, stripAnsi } from './ansi';

describe('ANSI colours', () => {
  it('turns SGR codes into theme classes, 256 and true colours into styles', () => {
    expect(parseAnsi('\u001b[31mred\u001b[0m plain')).toEqual([
      { text: 'red', className: 'text-red-700 dark:text-red-400' },
      { text: ' plain' },
    ]);
    expect(parseAnsi('\u001b[1;4;42mloud')).toEqual([{ text: 'loud', className: 'bg-green-200 dark:bg-green-900 font-bold underline' }]);
    expect(parseAnsi('\u001b[38;5;196mpalette')).toEqual([{ text: 'palette', style: { color: 'rgb(255, 0, 0)' } }]);
    expect(parseAnsi('\u001b[38;2;10;20;30mtrue')).toEqual([{ text: 'true', style: { color: 'rgb(10, 20, 30)' } }]);
  });

  it('leaves text without escapes as one segment, markup included', () => {
    expect(parseAnsi('<script>alert(1)</script>')).toEqual([{ text: '<script>alert(1)</script>' }]);
  });

  it('strips colour, cursor and title sequences for search and download', () => {
    expect(stripAnsi('\u001b[1;31merror\u001b[0m: \u001b[2Kdone\u001b]0;title\u0007!')).toBe('error: done!');
  });

  it("knows xterm's 256 colours", () => {
    expect(paletteColour(1)).toBe('rgb(187, 0, 0)');
    expect(paletteColour(16)).toBe('rgb(0, 0, 0)');
    expect(paletteColour(231)).toBe('rgb(255, 255, 255)');
    expect(paletteColour(232)).toBe('rgb(8, 8, 8)');
    expect(paletteColour(256)).toBeUndefined();
  });
});
