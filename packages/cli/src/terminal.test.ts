import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { byteWriter } from './terminal.js';

describe('byteWriter', () => {
  it('keeps a character split across two frames whole in a text sink', () => {
    let text = '';
    const write = byteWriter({ write: (chunk: string) => (text += chunk) });
    const bytes = new TextEncoder().encode('grüße');
    write(bytes.subarray(0, 3));
    write(bytes.subarray(3));
    expect(text).toBe('grüße');
  });

  it('hands bytes to a real stream unchanged, so binary output survives', () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    byteWriter(sink)(new Uint8Array([0xff, 0x00, 0xfe]));
    expect(Buffer.concat(chunks)).toEqual(Buffer.from([0xff, 0x00, 0xfe]));
  });
});
