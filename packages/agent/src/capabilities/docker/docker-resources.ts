import { create } from '@bufbuild/protobuf';
import {
  DockerResourceKind,
  DockerResourcesResultSchema,
  ImageSummarySchema,
  NetworkSummarySchema,
  VolumeSummarySchema,
  type ImageSummary,
  type NetworkSummary,
  type VolumeSummary,
} from '@infrapilot/protocol/agent';
import type Dockerode from 'dockerode';
import type { CommandHandler } from '../registry.js';
import { COMPOSE_PROJECT_LABEL, unixMsOf } from './container-state.js';
import { commandOf } from './docker-input.js';
import type { DockerEngine } from './docker-engine.js';

// Docker's placeholder for an untagged image.
const NO_TAG = '<none>:<none>';

function images(list: Dockerode.ImageInfo[], containers: Dockerode.ContainerInfo[]): ImageSummary[] {
  // The image list says -1 unless asked for an expensive disk-usage pass; counting the
  // containers we already listed is exact and cheap.
  const users = new Map<string, number>();
  for (const container of containers) users.set(container.ImageID, (users.get(container.ImageID) ?? 0) + 1);
  return list.map((image) =>
    create(ImageSummarySchema, {
      id: image.Id,
      tags: (image.RepoTags ?? []).filter((tag) => tag !== NO_TAG),
      sizeBytes: BigInt(Math.max(0, image.Size ?? 0)),
      createdAtUnixMs: BigInt((image.Created ?? 0) * 1000),
      containers: users.get(image.Id) ?? 0,
    }),
  );
}

function volumes(list: Dockerode.VolumeInspectInfo[]): VolumeSummary[] {
  return list.map((volume) =>
    create(VolumeSummarySchema, {
      name: volume.Name,
      driver: volume.Driver,
      mountpoint: volume.Mountpoint,
      createdAtUnixMs: BigInt(unixMsOf((volume as { CreatedAt?: string }).CreatedAt)),
      stackName: volume.Labels?.[COMPOSE_PROJECT_LABEL] ?? '',
    }),
  );
}

function networks(list: Dockerode.NetworkInspectInfo[], containers: Dockerode.ContainerInfo[]): NetworkSummary[] {
  // The network list leaves Containers empty (only a per-network inspect fills it).
  const members = new Map<string, number>();
  for (const container of containers) {
    for (const network of Object.values(container.NetworkSettings?.Networks ?? {})) {
      if (network.NetworkID) members.set(network.NetworkID, (members.get(network.NetworkID) ?? 0) + 1);
    }
  }
  return list.map((network) =>
    create(NetworkSummarySchema, {
      id: network.Id,
      name: network.Name,
      driver: network.Driver,
      scope: network.Scope,
      internal: network.Internal === true,
      subnets: (network.IPAM?.Config ?? []).map((config) => (config as { Subnet?: string }).Subnet ?? '').filter(Boolean),
      containers: members.get(network.Id) ?? Object.keys(network.Containers ?? {}).length,
      stackName: network.Labels?.[COMPOSE_PROJECT_LABEL] ?? '',
    }),
  );
}

/** docker.resources: images, volumes and networks (one kind, or all three when unspecified). */
export function dockerResourcesHandler(engine: DockerEngine): CommandHandler {
  return {
    command: 'docker.resources',
    handle: async (payload, context) => {
      const { kind } = commandOf(payload, 'dockerResources');
      const wants = (wanted: DockerResourceKind) => kind === DockerResourceKind.UNSPECIFIED || kind === wanted;
      const call = <T>(run: (signal: AbortSignal) => Promise<T>) => engine.call(run, { signal: context.signal });
      const needContainers = wants(DockerResourceKind.IMAGES) || wants(DockerResourceKind.NETWORKS);
      const [containerList, imageList, volumeList, networkList] = await Promise.all([
        needContainers ? call((signal) => engine.client.listContainers({ all: true, abortSignal: signal })) : [],
        wants(DockerResourceKind.IMAGES) ? call((signal) => engine.client.listImages({ abortSignal: signal })) : [],
        wants(DockerResourceKind.VOLUMES) ? call((signal) => engine.client.listVolumes({ abortSignal: signal })).then((answer) => answer.Volumes ?? []) : [],
        wants(DockerResourceKind.NETWORKS) ? call((signal) => engine.client.listNetworks({ abortSignal: signal })) : [],
      ]);
      return {
        case: 'dockerResources',
        value: create(DockerResourcesResultSchema, {
          images: images(imageList, containerList).sort((a, b) => Number(b.createdAtUnixMs - a.createdAtUnixMs)),
          volumes: volumes(volumeList).sort((a, b) => a.name.localeCompare(b.name)),
          networks: networks(networkList, containerList).sort((a, b) => a.name.localeCompare(b.name)),
        }),
      };
    },
  };
}
