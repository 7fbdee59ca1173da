import { PageHeader } from '../../components/ui/states';

export function OverviewPage() {
  return <PageHeader title="OverviewPage" />;
}
