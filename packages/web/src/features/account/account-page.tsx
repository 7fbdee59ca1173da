import { PageHeader } from '../../components/ui/states';

export function AccountPage() {
  return <PageHeader title="AccountPage" />;
}
