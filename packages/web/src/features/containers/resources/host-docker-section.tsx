import { useState } from 'react';
import { Card } from '../../../components/ui/card';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../../components/ui/tabs';
import { ContainerListBody } from '../list/container-list-body';
import { ImagesTable, NetworksTable, VolumesTable } from './docker-resource-tables';

const SECTIONS = { containers: 'Containers', images: 'Images', volumes: 'Volumes', networks: 'Networks' } as const;
type Section = keyof typeof SECTIONS;

/**
 * A host's Docker on its page: its containers (the same table as /containers, fixed to
 * this host) and its images, volumes and networks, each read from the host when its tab
 * is opened.
 */
export function HostDockerSection({ agentId }: { agentId: string }) {
  const [section, setSection] = useState<Section>('containers');
  return (
    <Card aria-labelledby="host-docker-heading">
      <Tabs value={section} onValueChange={(value) => setSection(value as Section)}>
        <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
          <h2 id="host-docker-heading" className="text-base font-semibold">
            Docker
          </h2>
          <TabsList aria-label="Docker resources">
            {(Object.keys(SECTIONS) as Section[]).map((key) => (
              <TabsTrigger key={key} value={key}>
                {SECTIONS[key]}
              </TabsTrigger>
            ))}
          </TabsList>
        </div>
        <TabsContent value="containers" className="focus-visible:outline-2 focus-visible:outline-ring">
          <ContainerListBody agentId={agentId} />
        </TabsContent>
        <TabsContent value="images" className="focus-visible:outline-2 focus-visible:outline-ring">
          <ImagesTable agentId={agentId} />
        </TabsContent>
        <TabsContent value="volumes" className="focus-visible:outline-2 focus-visible:outline-ring">
          <VolumesTable agentId={agentId} />
        </TabsContent>
        <TabsContent value="networks" className="focus-visible:outline-2 focus-visible:outline-ring">
          <NetworksTable agentId={agentId} />
        </TabsContent>
      </Tabs>
    </Card>
  );
}
