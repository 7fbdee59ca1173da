import { AuditLog } from './audit-log';

/** /audit: the org's audit log (audit:read; every role has it). */
export function AuditPage() {
  return <AuditLog />;
}
