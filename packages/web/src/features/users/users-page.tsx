import { PageHeader } from '../../components/ui/states';

export function UsersPage() {
  return <PageHeader title="UsersPage" />;
}
