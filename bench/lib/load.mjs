// HTTP load with autocannon, generated in a second process so the load generator never
// shares the event loop (or the core time) of the server it measures.
//   loadTest({ url, connections: 10, durationSeconds: 10 }) → { requestsPerSecond, latencyP50Ms, ... }
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);

/**
 * Runs autocannon against `url` from a child process.
 * @param {{ url: string, method?: string, headers?: Record<string, string>, body?: string | object,
 *   connections?: number, durationSeconds?: number, pipelining?: number }} options
 *   `body` as an object is sent as JSON (content-type set unless given).
 * @returns {Promise<{ requestsPerSecond: number, latencyP50Ms: number, latencyP99Ms: number,
 *   errors: number, non2xx: number, total: number }>}
 *   `errors` counts connection errors and timeouts; `total` every completed request.
 */
export function loadTest({ url, method = 'GET', headers = {}, body, connections = 10, durationSeconds = 10, pipelining = 1 }) {
  let payload = body;
  const allHeaders = { ...headers };
  if (payload !== undefined && typeof payload !== 'string') {
    payload = JSON.stringify(payload);
    if (!Object.keys(allHeaders).some((name) => name.toLowerCase() === 'content-type')) allHeaders['content-type'] = 'application/json';
  }
  const options = { url, method, headers: allHeaders, body: payload, connections, duration: durationSeconds, pipelining };
  return new Promise((resolve, reject) => {
    const child = fork(here, ['--load-worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error(`autocannon did not finish within ${durationSeconds + 60} s`));
    }, (durationSeconds + 60) * 1000);
    const finish = (error, result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(result);
    };
    child.once('message', (message) => {
      if (message.error) finish(new Error(`autocannon: ${message.error}`));
      else finish(undefined, message.result);
    });
    child.once('error', (error) => finish(error));
    child.once('exit', (code, signal) => finish(new Error(`the autocannon process exited (${signal ?? code}) without a result`)));
    child.send(options);
  });
}

/**
 * The child: one autocannon run with the options it is sent, its summary sent back.
 * Autocannon's own latency histogram counts whole milliseconds; the percentiles come
 * from every 2xx response's own time instead (autocannon's `response` event, in ms with
 * microsecond precision), which matters for sub-millisecond routes.
 */
async function worker() {
  const { default: autocannon } = await import('autocannon');
  const { percentiles } = await import('./stats.mjs');
  process.once('message', (options) => {
    const latencies = [];
    const reply = (message) => process.send(message, () => process.disconnect());
    try {
      const instance = autocannon(options, (error, result) => {
        if (error) return reply({ error: error instanceof Error ? error.message : String(error) });
        const latency = percentiles(latencies);
        reply({
          result: {
            requestsPerSecond: result.requests.average,
            latencyP50Ms: latency.p50 ?? result.latency.p50,
            latencyP99Ms: latency.p99 ?? result.latency.p99,
            errors: result.errors + result.timeouts,
            non2xx: result.non2xx,
            total: result.requests.total,
          },
        });
      });
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      });
    } catch (error) {
      reply({ error: error instanceof Error ? error.message : String(error) });
    }
  });
  // The parent gone (killed, crashed): stop loading.
  process.once('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
}

if (process.argv[1] === here && process.argv.includes('--load-worker')) await worker();
