import { RATE_LIMIT_PERIODS } from '@infrapilot/protocol';
import { Plus, Trash2 } from 'lucide-react';
import { Button } from '../../../components/ui/button';
import { Field, Input, Select } from '../../../components/ui/input';
import { type FieldErrors, type IpRuleRow, type RateLimitRow, newRowKey } from './proxy-form-values';

/** At most this many rate limits per proxy host (the schema's limit). */
const MOST_RATE_LIMITS = 5;

/** Per-client-IP request limits: requests per second or minute, a burst, on or off. Over it nginx answers 429. */
export function RateLimitRows({ rows, errors, onChange }: { rows: RateLimitRow[]; errors: FieldErrors; onChange: (rows: RateLimitRow[]) => void }) {
  const change = (key: number, patch: Partial<RateLimitRow>) => onChange(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  return (
    <div className="grid gap-3">
      {rows.length === 0 && <p className="text-sm text-muted-foreground">No rate limit.</p>}
      {rows.map((row, index) => (
        <div key={row.key} role="group" aria-label={`Rate limit ${index + 1}`} className="grid items-start gap-3 rounded-md border border-border p-3 sm:grid-cols-[1fr_1fr_1fr_auto_auto]">
          <Field label="Requests" error={errors[`rateLimits.${index}.requests`]}>
            {(props) => <Input {...props} inputMode="numeric" value={row.requests} onChange={(event) => change(row.key, { requests: event.target.value })} />}
          </Field>
          <Field label="Per" error={errors[`rateLimits.${index}.per`]}>
            {(props) => (
              <Select {...props} value={row.per} onChange={(event) => change(row.key, { per: event.target.value as RateLimitRow['per'] })}>
                {RATE_LIMIT_PERIODS.map((period) => (
                  <option key={period} value={period}>
                    {period}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label="Burst" error={errors[`rateLimits.${index}.burst`]}>
            {(props) => <Input {...props} inputMode="numeric" value={row.burst} onChange={(event) => change(row.key, { burst: event.target.value })} />}
          </Field>
          <label className="flex h-9 items-center gap-2 text-sm sm:mt-[1.625rem]">
            <input type="checkbox" className="h-4 w-4" checked={row.enabled} onChange={(event) => change(row.key, { enabled: event.target.checked })} />
            Enabled
          </label>
          <Button variant="ghost" size="icon" className="sm:mt-[1.625rem]" aria-label={`Remove rate limit ${index + 1}`} onClick={() => onChange(rows.filter((other) => other.key !== row.key))}>
            <Trash2 className="h-4 w-4" aria-hidden />
          </Button>
        </div>
      ))}
      {errors.rateLimits && (
        <p role="alert" className="text-xs text-destructive">
          {errors.rateLimits}
        </p>
      )}
      <div>
        <Button
          variant="secondary"
          size="sm"
          disabled={rows.length >= MOST_RATE_LIMITS}
          onClick={() => onChange([...rows, { key: newRowKey(), requests: '10', per: 'second', burst: '50', enabled: true }])}
        >
          <Plus className="h-4 w-4" aria-hidden /> Add rate limit
        </Button>
      </div>
    </div>
  );
}

/** Allow or deny an address or block; nginx applies them by ascending priority, then in this order. */
export function IpRuleRows({ rows, errors, onChange }: { rows: IpRuleRow[]; errors: FieldErrors; onChange: (rows: IpRuleRow[]) => void }) {
  const change = (key: number, patch: Partial<IpRuleRow>) => onChange(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  return (
    <div className="grid gap-3">
      {rows.length === 0 && <p className="text-sm text-muted-foreground">No IP rule: every address may connect.</p>}
      {rows.map((row, index) => (
        <div key={row.key} role="group" aria-label={`IP rule ${index + 1}`} className="grid items-start gap-3 rounded-md border border-border p-3 sm:grid-cols-[2fr_1fr_1fr_auto]">
          <Field label="Address or CIDR" error={errors[`ipRules.${index}.cidr`]}>
            {(props) => (
              <Input {...props} autoComplete="off" spellCheck={false} placeholder="192.168.1.0/24" value={row.cidr} onChange={(event) => change(row.key, { cidr: event.target.value })} />
            )}
          </Field>
          <Field label="Action" error={errors[`ipRules.${index}.action`]}>
            {(props) => (
              <Select {...props} value={row.action} onChange={(event) => change(row.key, { action: event.target.value as IpRuleRow['action'] })}>
                <option value="allow">allow</option>
                <option value="deny">deny</option>
              </Select>
            )}
          </Field>
          <Field label="Priority" error={errors[`ipRules.${index}.priority`]}>
            {(props) => <Input {...props} inputMode="numeric" value={row.priority} onChange={(event) => change(row.key, { priority: event.target.value })} />}
          </Field>
          <Button variant="ghost" size="icon" className="sm:mt-[1.625rem]" aria-label={`Remove IP rule ${index + 1}`} onClick={() => onChange(rows.filter((other) => other.key !== row.key))}>
            <Trash2 className="h-4 w-4" aria-hidden />
          </Button>
        </div>
      ))}
      {errors.ipRules && (
        <p role="alert" className="text-xs text-destructive">
          {errors.ipRules}
        </p>
      )}
      <div>
        <Button variant="secondary" size="sm" onClick={() => onChange([...rows, { key: newRowKey(), cidr: '', action: 'deny', priority: String(rows.length * 10) }])}>
          <Plus className="h-4 w-4" aria-hidden /> Add IP rule
        </Button>
      </div>
    </div>
  );
}
