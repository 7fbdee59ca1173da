import { describe, expect, it } from 'vitest';
import { logLine } from '../testing/containers-test-fixtures';
import { LogBuffer, compareTimestamps, timestampKey } from './log-buffer';

const texts = (buffer: LogBuffer) => buffer.lines.map((entry) => entry.text);

describe('LogBuffer', () => {
  it('drops the oldest lines past its capacity and counts them', () => {
    const buffer = new LogBuffer(3);
    buffer.append(['1', '2', '3', '4'].map((text) => logLine(text)));
    buffer.append([logLine('5')]);
    expect(texts(buffer)).toEqual(['3', '4', '5']);
    expect(buffer.dropped).toBe(2);
    expect(buffer.hasRoomForOlder).toBe(false);
  });

  it('sets new lines aside while paused and shows them on resume, within the same bound', () => {
    const buffer = new LogBuffer(4);
    buffer.append([logLine('1'), logLine('2')]);
    buffer.pause();
    buffer.append([logLine('3'), logLine('4'), logLine('5')]);
    expect(texts(buffer)).toEqual(['2']);
    expect(buffer.waitingCount).toBe(3);
    expect(buffer.resume()).toBe(3);
    expect(texts(buffer)).toEqual(['2', '3', '4', '5']);
    expect(buffer.dropped).toBe(1);
  });

  it('puts older lines in front only as far as there is room, never dropping newer ones for them', () => {
    const buffer = new LogBuffer(3);
    buffer.append([logLine('new')]);
    expect(buffer.prepend([logLine('a'), logLine('b'), logLine('c')])).toBe(2);
    expect(texts(buffer)).toEqual(['b', 'c', 'new']);
  });

  it('knows a line it already has: older than its newest, or the same line at the newest instant', () => {
    const buffer = new LogBuffer();
    buffer.append([logLine('a', { timestamp: '2026-01-01T12:00:01.5Z' }), logLine('b', { timestamp: '2026-01-01T12:00:02.25Z' })]);
    expect(buffer.alreadyHas(logLine('a', { timestamp: '2026-01-01T12:00:01.5Z' }))).toBe(true);
    expect(buffer.alreadyHas(logLine('b', { timestamp: '2026-01-01T12:00:02.250Z' }))).toBe(true);
    expect(buffer.alreadyHas(logLine('c', { timestamp: '2026-01-01T12:00:02.25Z' }))).toBe(false);
    expect(buffer.alreadyHas(logLine('d', { timestamp: '2026-01-01T12:00:02.3Z' }))).toBe(false);
  });
});

describe('timestampKey', () => {
  // Docker drops trailing zeros of the fraction: as strings, "…05.1Z" sorts before "…05.09Z".
  it('orders RFC 3339 timestamps by time, whatever the number of fractional digits', () => {
    expect(compareTimestamps('2026-01-01T12:00:05.1Z', '2026-01-01T12:00:05.09Z')).toBe(1);
    expect(compareTimestamps('2026-01-01T12:00:05Z', '2026-01-01T12:00:05.000000001Z')).toBe(-1);
    expect(timestampKey('2026-01-01T12:00:05.123456789Z')).toBe('2026-01-01T12:00:05.123456789');
    expect(timestampKey('2026-01-01T13:00:05.5+01:00')).toBe('2026-01-01T12:00:05.500000000');
  });
});
