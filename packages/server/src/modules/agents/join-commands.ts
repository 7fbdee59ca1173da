/**
 * The two ways to bring a host in, as the copy-paste lines the API returns. Every value
 * put into them is produced by the server (URL from config, token and hash from us), and
 * still quoted for a POSIX shell in case a configured URL holds something unusual.
 */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_:/.@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function joinCommandFor(options: { serverUrl: string; token: string; caHash: string }): string {
  return `infrapilot agent join --server ${shellQuote(options.serverUrl)} --token ${shellQuote(options.token)} --ca-hash ${shellQuote(options.caHash)}`;
}

export function installCommandFor(options: { publicUrl: string; token: string; caHash: string }): string {
  const scriptUrl = `${options.publicUrl.replace(/\/+$/, '')}/install.sh`;
  return `curl -fsSL ${shellQuote(scriptUrl)} | sh -s -- --token ${shellQuote(options.token)} --ca-hash ${shellQuote(options.caHash)}`;
}
