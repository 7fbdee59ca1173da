import type { QueryClient } from '@tanstack/react-query';
import type { ReactElement } from 'react';
import { renderWithProviders } from '../../../testing/render-with-providers';
import { type DockerApi, DockerApiContext } from '../docker-api';
import { seededQueryClient } from './containers-test-fixtures';

/** Test-only: renders a Docker page's part with the app's providers and a stand-in Docker API. */
export function renderDocker(ui: ReactElement, { api, route = '/', queryClient = seededQueryClient() }: { api: DockerApi; route?: string; queryClient?: QueryClient }) {
  return renderWithProviders(<DockerApiContext.Provider value={api}>{ui}</DockerApiContext.Provider>, { route, queryClient });
}
