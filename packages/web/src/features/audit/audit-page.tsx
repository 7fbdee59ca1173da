import { PageHeader } from '../../components/ui/states';

export function AuditPage() {
  return <PageHeader title="AuditPage" />;
}
