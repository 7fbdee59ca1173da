import { describe, expect, it } from 'vitest';
import { serverNameConflictMessage, serverNameConflictOf } from './server-name-conflict.js';

// What Debian's nginx 1.22 prints on nginx -t when two server blocks on one port name the same domain.
const OUTPUT = [
  '2026/11/22 05:23:41 [warn] 25620#25620: conflicting server name "ba.test" on 127.0.0.1:18080, ignored',
  '2026/11/22 05:23:41 [warn] 25620#25620: conflicting server name "a.test" on [::]:80, ignored',
  'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok',
  'nginx: configuration file /etc/nginx/nginx.conf test is successful',
].join('\n');

describe('serverNameConflictOf', () => {
  it('picks nginx\'s warnings about exactly this domain', () => {
    expect(serverNameConflictOf(OUTPUT, 'a.test')).toBe('2026/11/22 05:23:41 [warn] 25620#25620: conflicting server name "a.test" on [::]:80, ignored');
    expect(serverNameConflictOf(OUTPUT, 'ba.test')).toMatch(/"ba\.test" on 127\.0\.0\.1:18080/);
    expect(serverNameConflictOf(OUTPUT, 'c.test')).toBeUndefined();
    expect(serverNameConflictOf('nginx: configuration file /etc/nginx/nginx.conf test is successful', 'a.test')).toBeUndefined();
  });

  it('explains the warning after nginx\'s words', () => {
    const message = serverNameConflictMessage('conflicting server name "a.test" on [::]:80, ignored', 'a.test');
    expect(message.split('\n')).toEqual([
      'conflicting server name "a.test" on [::]:80, ignored',
      "Another server block in nginx's configuration already answers for a.test on the same address and port, so nginx would ignore one of the two; remove or rename that server block (nginx -T prints every file nginx loads) or choose another domain.",
    ]);
  });
});
