/** Clients in the order to test them: Edge and Opera also say "Chrome", Chrome also says "Safari". */
const CLIENTS: Array<[RegExp, string]> = [
  [/^infrapilot-cli\//, 'InfraPilot CLI'],
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrome\/|CriOS\/|Chromium\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/^curl\//, 'curl'],
  [/^node|undici/i, 'Node.js'],
];

/** Systems in the order to test them: Android also says "Linux", iOS also says "Mac OS X". */
const SYSTEMS: Array<[RegExp, string]> = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Windows/, 'Windows'],
  [/CrOS/, 'ChromeOS'],
  [/Macintosh|Mac OS X/, 'macOS'],
  [/Linux/, 'Linux'],
];

/** "Mozilla/5.0 (X11; Linux x86_64) … Firefox/140.0" → "Firefox on Linux", so people recognise their devices. */
export function describeUserAgent(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  const client = CLIENTS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (client && system) return `${client} on ${system}`;
  if (client) return client;
  if (system) return `A browser on ${system}`;
  // Something unusual: its first word is the best name it gives.
  return userAgent.split(/[\s/]/)[0] || 'Unknown device';
}
