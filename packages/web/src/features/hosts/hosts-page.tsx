import { PageHeader } from '../../components/ui/states';

export function HostsPage() {
  return <PageHeader title="HostsPage" />;
}
