import { PageHeader } from '../../components/ui/states';

export function ApiKeysPage() {
  return <PageHeader title="ApiKeysPage" />;
}
