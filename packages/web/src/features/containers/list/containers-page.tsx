import { PageHeader } from '../../../components/ui/states';
import { ContainerListBody } from './container-list-body';

/** /containers: every container on every host, kept current by live events and a 15 s refresh. */
export function ContainersPage() {
  return (
    <>
      <PageHeader title="Containers" description="Every Docker container on every host, as their agents report them." />
      <ContainerListBody />
    </>
  );
}
