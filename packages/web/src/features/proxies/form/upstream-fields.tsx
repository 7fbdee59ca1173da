import type { Container } from '@infrapilot/protocol';
import { useId } from 'react';
import { Button } from '../../../components/ui/button';
import { Field, Input, Select } from '../../../components/ui/input';
import { describeError } from '../../../lib/error-text';
import { useHostContainers } from '../proxies-queries';
import type { FieldErrors, ProxyFormValues } from './proxy-form-values';

/** A container's TCP ports: each private port once, with the host ports it is published on. */
export function containerPorts(container: Pick<Container, 'ports'>): Array<{ port: number; published: string[] }> {
  const ports = new Map<number, Set<string>>();
  for (const binding of container.ports) {
    if (binding.protocol !== 'tcp') continue;
    const published = ports.get(binding.privatePort) ?? new Set<string>();
    if (binding.publicPort !== null) {
      const anyAddress = binding.ip === '' || binding.ip === '0.0.0.0' || binding.ip === '::';
      published.add(anyAddress ? String(binding.publicPort) : `${binding.ip}:${binding.publicPort}`);
    }
    ports.set(binding.privatePort, published);
  }
  return [...ports].sort(([left], [right]) => left - right).map(([port, published]) => ({ port, published: [...published] }));
}

function describePort({ port, published }: { port: number; published: string[] }): string {
  return published.length > 0 ? `${port} (published on ${published.join(', ')})` : String(port);
}

/**
 * Where the proxy host forwards to: an address (scheme, host, port) or one of the chosen
 * host's containers and its port. The agent resolves a container at every apply (its
 * published port, else its IP), so a restarted container is followed.
 */
export function UpstreamFields({ values, errors, onChange }: { values: ProxyFormValues; errors: FieldErrors; onChange: (patch: Partial<ProxyFormValues>) => void }) {
  const kindName = useId();
  const containers = useHostContainers(values.agentId, values.upstreamKind === 'container');
  const chosen = containers.data?.find((container) => container.name === values.container);
  const ports = chosen ? containerPorts(chosen) : [];

  return (
    <>
      <div role="radiogroup" aria-label="Upstream kind" className="flex flex-wrap gap-4 text-sm">
        {(['address', 'container'] as const).map((kind) => (
          <label key={kind} className="flex items-center gap-2">
            <input type="radio" name={kindName} className="h-4 w-4" checked={values.upstreamKind === kind} onChange={() => onChange({ upstreamKind: kind })} />
            {kind === 'address' ? 'Address' : 'Container'}
          </label>
        ))}
      </div>
      <div className="grid items-start gap-4 sm:grid-cols-[8rem_1fr_8rem]">
        <Field label="Scheme" error={errors['upstream.scheme']}>
          {(props) => (
            <Select {...props} value={values.scheme} onChange={(event) => onChange({ scheme: event.target.value as ProxyFormValues['scheme'] })}>
              <option value="http">http</option>
              <option value="https">https</option>
            </Select>
          )}
        </Field>
        {values.upstreamKind === 'address' ? (
          <Field label="Upstream host" hint="An IPv4 or IPv6 address, or a hostname this host resolves." error={errors['upstream.host']}>
            {(props) => (
              <Input {...props} autoComplete="off" spellCheck={false} placeholder="127.0.0.1" value={values.host} onChange={(event) => onChange({ host: event.target.value })} />
            )}
          </Field>
        ) : (
          <Field
            label="Container"
            hint={containers.isError ? `Could not list this host's containers: ${describeError(containers.error).title}` : values.agentId ? undefined : 'Choose a host first.'}
            error={errors['upstream.container']}
          >
            {(props) => (
              <Select
                {...props}
                value={values.container}
                disabled={!values.agentId || containers.isPending}
                onChange={(event) => {
                  const next = containers.data?.find((container) => container.name === event.target.value);
                  const nextPorts = next ? containerPorts(next) : [];
                  // One port to choose from: it is the one.
                  onChange({ container: event.target.value, ...(nextPorts.length === 1 ? { port: String(nextPorts[0]!.port) } : {}) });
                }}
              >
                <option value="">{containers.isPending && values.agentId ? 'Loading containers…' : 'Choose a container'}</option>
                {/* A container named by the saved settings stays choosable even when it is gone. */}
                {values.container && !chosen && <option value={values.container}>{values.container} (not found on this host)</option>}
                {(containers.data ?? [])
                  .slice()
                  .sort((left, right) => left.name.localeCompare(right.name))
                  .map((container) => (
                    <option key={container.containerId} value={container.name}>
                      {container.name} — {container.state}
                      {containerPorts(container).length > 0 ? `, ports ${containerPorts(container).map(describePort).join('; ')}` : ''}
                    </option>
                  ))}
              </Select>
            )}
          </Field>
        )}
        <Field label={values.upstreamKind === 'container' ? 'Container port' : 'Port'} error={errors['upstream.port']}>
          {(props) => (
            <Input {...props} inputMode="numeric" autoComplete="off" placeholder="8080" value={values.port} onChange={(event) => onChange({ port: event.target.value })} />
          )}
        </Field>
      </div>
      {values.upstreamKind === 'container' && ports.length > 0 && (
        <div className="flex flex-wrap items-center gap-2 text-sm" role="group" aria-label="Ports of this container">
          <span className="text-muted-foreground">Ports of {values.container}:</span>
          {ports.map((port) => (
            <Button
              key={port.port}
              size="sm"
              variant={values.port === String(port.port) ? 'primary' : 'secondary'}
              aria-pressed={values.port === String(port.port)}
              onClick={() => onChange({ port: String(port.port) })}
            >
              {describePort(port)}
            </Button>
          ))}
        </div>
      )}
    </>
  );
}
