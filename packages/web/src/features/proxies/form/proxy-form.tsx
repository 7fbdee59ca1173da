import { ApiError } from '@infrapilot/client';
import type { ProxyHost, ProxyHostInput, ProxyTestResult } from '@infrapilot/protocol';
import { AlertTriangle, FlaskConical } from 'lucide-react';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { Button } from '../../../components/ui/button';
import { FormAlert } from '../../../components/ui/form-alert';
import { Field, Input, Select } from '../../../components/ui/input';
import { formErrorMessage } from '../../../lib/error-text';
import { useProxyHostChoices, useProxyServer } from '../proxies-queries';
import { TestResultPanel } from '../test-result';
import { CheckboxField, FormSection } from './checkbox-field';
import { IpRuleRows, RateLimitRows } from './limit-rows';
import { type FieldErrors, type ProxyFormValues, checkProxyForm, fieldErrorsFromDetails } from './proxy-form-values';
import { SaveError } from './save-error';
import { SecurityHeaderFields } from './security-header-fields';
import { SslFields } from './ssl-fields';
import { UpstreamFields } from './upstream-fields';

/**
 * A proxy host's settings. Everything is checked with the API's schema before anything is
 * sent; a value it refuses is named under its field and nothing leaves the browser. The
 * server's refusals (400 with details, 409, 422 with nginx's output, 503) are shown above
 * the buttons, and the fields keep what was typed.
 */
export function ProxyForm({
  initial,
  existing,
  submitLabel,
  cancelPath,
  onSubmit,
  onTest,
}: {
  initial: ProxyFormValues;
  /** Editing: the saved proxy host (its host is fixed, and its certificate stays while a new one is issued). */
  existing?: ProxyHost | undefined;
  submitLabel: string;
  cancelPath: string;
  onSubmit: (values: ProxyFormValues, input: ProxyHostInput) => Promise<unknown>;
  /** nginx -t with these settings (existing proxy hosts only). */
  onTest?: ((input: ProxyHostInput) => Promise<ProxyTestResult>) | undefined;
}) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saveError, setSaveError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<ProxyTestResult | null>(null);
  const [testFailure, setTestFailure] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  // Counts refusals, so focus moves to the first field in error after each one.
  const [refusals, setRefusals] = useState(0);
  useEffect(() => {
    if (refusals > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [refusals]);

  const change = (patch: Partial<ProxyFormValues>) => {
    setValues((current) => ({ ...current, ...patch }));
    setTestResult(null);
  };

  const check = () => {
    const checked = checkProxyForm(values, existing?.certificateId ?? null);
    if ('errors' in checked) {
      setErrors(checked.errors);
      setRefusals((count) => count + 1);
      return undefined;
    }
    setErrors({});
    return checked.input;
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input = check();
    setSaveError(null);
    if (!input) return;
    setBusy(true);
    try {
      await onSubmit(values, input);
    } catch (error) {
      if (error instanceof ApiError && error.status === 400 && error.details.length > 0) {
        setErrors(fieldErrorsFromDetails(error.details));
        setRefusals((count) => count + 1);
      }
      setSaveError(error);
    } finally {
      setBusy(false);
    }
  }

  async function test() {
    const input = check();
    setTestResult(null);
    setTestFailure(null);
    if (!input || !onTest) return;
    setTesting(true);
    try {
      setTestResult(await onTest(input));
    } catch (error) {
      setTestFailure(formErrorMessage(error));
    } finally {
      setTesting(false);
    }
  }

  return (
    <form ref={formRef} className="grid gap-5" onSubmit={(event) => void submit(event)} noValidate>
      <FormSection title="Domain">
        {existing ? (
          <p className="text-sm">
            On host <span className="font-medium">{existing.agentName}</span>
          </p>
        ) : (
          <HostPicker agentId={values.agentId} error={errors.agentId} onChange={(agentId) => change({ agentId, container: '' })} />
        )}
        <Field label="Domain" hint="For example app.example.com; an internationalised name is stored in punycode." error={errors.domain}>
          {(props) => (
            <Input {...props} autoComplete="off" spellCheck={false} placeholder="app.example.com" value={values.domain} onChange={(event) => change({ domain: event.target.value })} />
          )}
        </Field>
      </FormSection>
      <FormSection title="Upstream" description="Where nginx forwards the requests.">
        <UpstreamFields values={values} errors={errors} onChange={change} />
      </FormSection>
      <FormSection title="SSL">
        <SslFields values={values} errors={errors} onChange={change} />
      </FormSection>
      <FormSection title="Options">
        <CheckboxField label="Websockets" hint="Pass the Upgrade and Connection headers through." checked={values.websockets} onChange={(websockets) => change({ websockets })} />
        <Field label="Largest request body (MiB)" hint="0 for no limit." error={errors.clientMaxBodySizeMb}>
          {(props) => (
            <Input {...props} inputMode="numeric" className="sm:w-32" value={values.clientMaxBodySizeMb} onChange={(event) => change({ clientMaxBodySizeMb: event.target.value })} />
          )}
        </Field>
      </FormSection>
      <FormSection title="Security headers">
        <SecurityHeaderFields values={values} errors={errors} onChange={change} />
      </FormSection>
      <FormSection title="Rate limits" description="Per client address; over the limit nginx answers 429.">
        <RateLimitRows rows={values.rateLimits} errors={errors} onChange={(rateLimits) => change({ rateLimits })} />
      </FormSection>
      <FormSection title="IP rules" description="Applied by ascending priority; a denied address gets 403.">
        <IpRuleRows rows={values.ipRules} errors={errors} onChange={(ipRules) => change({ ipRules })} />
      </FormSection>
      {Object.keys(errors).length > 0 && !saveError && <FormAlert message="Some values need fixing: see the messages under the fields." />}
      <SaveError error={saveError} />
      {testResult && <TestResultPanel result={testResult} />}
      <FormAlert message={testFailure} />
      <div className="flex flex-wrap justify-end gap-2">
        <Button variant="secondary" asChild>
          <Link to={cancelPath}>Cancel</Link>
        </Button>
        {onTest && (
          <Button variant="secondary" disabled={testing || busy} onClick={() => void test()}>
            <FlaskConical className="h-4 w-4" aria-hidden />
            {testing ? 'Testing…' : 'Test configuration'}
          </Button>
        )}
        <Button type="submit" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </Button>
      </div>
    </form>
  );
}

/** The host whose nginx serves the domain, with a warning when its agent reports no usable nginx. */
function HostPicker({ agentId, error, onChange }: { agentId: string; error: string | undefined; onChange: (agentId: string) => void }) {
  const hosts = useProxyHostChoices();
  const server = useProxyServer(agentId);
  return (
    <>
      <Field label="Host" hint="Its nginx serves the domain." error={error}>
        {(props) => (
          <Select {...props} value={agentId} onChange={(event) => onChange(event.target.value)}>
            <option value="">{hosts.isPending ? 'Loading hosts…' : 'Choose a host'}</option>
            {(hosts.data ?? []).map((host) => (
              <option key={host.id} value={host.id}>
                {host.name}
                {host.status === 'active' ? '' : ` (${host.status})`}
              </option>
            ))}
          </Select>
        )}
      </Field>
      {server.data && !server.data.available && (
        <div role="status" className="flex items-start gap-2 rounded-md border border-warning/50 bg-warning/10 p-2 text-sm">
          <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0 text-warning" aria-hidden />
          <span>
            nginx is not available on {server.data.agentName}: {server.data.problem ?? 'its agent reports no reverse proxy'}. Saving will fail until it is.
          </span>
        </div>
      )}
    </>
  );
}
