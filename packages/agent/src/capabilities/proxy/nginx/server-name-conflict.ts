// nginx -t passes when two server blocks on one address:port name the same domain: it only
// warns "conflicting server name" and ignores the later one. For a proxy host that means
// either it or the other block silently never answers, so the agent treats that warning,
// for the host's own domain, as a refusal.

/**
 * nginx's "conflicting server name" warnings about `domain` in nginx -t's output, one per
 * line, or undefined when there are none. nginx prints server names in lowercase, as the
 * agent writes domains (punycode).
 */
export function serverNameConflictOf(output: string, domain: string): string | undefined {
  const needle = `conflicting server name "${domain.toLowerCase()}"`;
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.toLowerCase().includes(needle));
  return lines.length > 0 ? lines.join('\n') : undefined;
}

/** The proxy_config_invalid message for such a conflict: nginx's words, then what they mean. */
export function serverNameConflictMessage(warnings: string, domain: string): string {
  return (
    `${warnings}\nAnother server block in nginx's configuration already answers for ${domain} on the same address and port, ` +
    'so nginx would ignore one of the two; remove or rename that server block (nginx -T prints every file nginx loads) or choose another domain.'
  );
}
