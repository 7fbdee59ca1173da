import { X_FRAME_OPTIONS } from '@infrapilot/protocol';
import { Field, Input, Select } from '../../../components/ui/input';
import { CheckboxField } from './checkbox-field';
import type { FieldErrors, ProxyFormValues } from './proxy-form-values';

const TEXTAREA =
  'min-h-20 w-full rounded-md border border-input bg-background px-3 py-2 font-mono text-xs placeholder:text-muted-foreground focus-visible:outline-2 focus-visible:outline-ring';

/** HSTS, X-Frame-Options, nosniff, XSS protection and a Content-Security-Policy. */
export function SecurityHeaderFields({ values, errors, onChange }: { values: ProxyFormValues; errors: FieldErrors; onChange: (patch: Partial<ProxyFormValues>) => void }) {
  return (
    <>
      <div className="grid gap-3 sm:grid-cols-2">
        <CheckboxField label="HSTS" hint="Strict-Transport-Security, sent over HTTPS only." checked={values.hsts} onChange={(hsts) => onChange({ hsts })} />
        <CheckboxField
          label="HSTS includes subdomains"
          checked={values.hstsIncludeSubdomains}
          disabled={!values.hsts}
          onChange={(hstsIncludeSubdomains) => onChange({ hstsIncludeSubdomains })}
        />
      </div>
      {values.hsts && (
        <Field label="HSTS max-age (seconds)" hint="31536000 is a year; at most two years." error={errors['securityHeaders.hstsMaxAgeSeconds']}>
          {(props) => (
            <Input {...props} inputMode="numeric" className="sm:w-48" value={values.hstsMaxAgeSeconds} onChange={(event) => onChange({ hstsMaxAgeSeconds: event.target.value })} />
          )}
        </Field>
      )}
      <Field label="X-Frame-Options" error={errors['securityHeaders.xFrameOptions']}>
        {(props) => (
          <Select
            {...props}
            className="sm:w-48"
            value={values.xFrameOptions}
            onChange={(event) => onChange({ xFrameOptions: event.target.value as ProxyFormValues['xFrameOptions'] })}
          >
            {X_FRAME_OPTIONS.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
            <option value="">Not sent</option>
          </Select>
        )}
      </Field>
      <div className="grid gap-3 sm:grid-cols-2">
        <CheckboxField
          label="X-Content-Type-Options: nosniff"
          checked={values.xContentTypeOptions}
          onChange={(xContentTypeOptions) => onChange({ xContentTypeOptions })}
        />
        <CheckboxField label="X-XSS-Protection: 1; mode=block" checked={values.xXssProtection} onChange={(xXssProtection) => onChange({ xXssProtection })} />
      </div>
      <Field
        label="Content-Security-Policy"
        hint={`Optional. Printable characters on one line, no "$"; quotes are kept as typed, e.g. default-src 'self'.`}
        error={errors['securityHeaders.contentSecurityPolicy']}
      >
        {(props) => (
          <textarea
            {...props}
            className={TEXTAREA}
            spellCheck={false}
            placeholder="default-src 'self'"
            value={values.contentSecurityPolicy}
            onChange={(event) => onChange({ contentSecurityPolicy: event.target.value })}
          />
        )}
      </Field>
    </>
  );
}
