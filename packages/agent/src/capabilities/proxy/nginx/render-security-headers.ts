// Security headers of a proxy host. nginx drops every inherited add_header in a block that
// has one of its own, so all of a location's headers are rendered together, in that
// location; `always` adds them to error responses (403, 429, 502) too.
import { quoteNginxString } from '@infrapilot/protocol';
import type { ValidatedProxyHost } from '../proxy-host-spec.js';
import { directive, type ConfigLine } from './nginx-directives.js';

function header(name: string, quotedValue: string): ConfigLine {
  return directive('add_header', name, quotedValue, 'always');
}

/** The add_header lines of one proxy location; HSTS only when it is served over HTTPS. */
export function renderSecurityHeaders(headers: ValidatedProxyHost['headers'], overHttps: boolean): ConfigLine[] {
  const lines: ConfigLine[] = [];
  // A browser ignores HSTS received over plain HTTP (RFC 6797 §8.1), so it is sent only here.
  if (overHttps && headers.hsts) {
    const value = `max-age=${headers.hstsMaxAgeSeconds}${headers.hstsIncludeSubdomains ? '; includeSubDomains' : ''}`;
    lines.push(header('Strict-Transport-Security', `"${value}"`));
  }
  if (headers.xFrameOptions !== null) lines.push(header('X-Frame-Options', `"${headers.xFrameOptions}"`));
  if (headers.xContentTypeOptions) lines.push(header('X-Content-Type-Options', '"nosniff"'));
  if (headers.xXssProtection) lines.push(header('X-XSS-Protection', '"1; mode=block"'));
  if (headers.contentSecurityPolicy !== null) lines.push(header('Content-Security-Policy', quoteNginxString(headers.contentSecurityPolicy)));
  return lines;
}
