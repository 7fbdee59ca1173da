import { PageHeader } from '../../components/ui/states';

export function HostDetailPage() {
  return <PageHeader title="HostDetailPage" />;
}
