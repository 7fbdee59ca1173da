import { PageHeader } from '../../components/ui/states';

export function MembersPage() {
  return <PageHeader title="MembersPage" />;
}
