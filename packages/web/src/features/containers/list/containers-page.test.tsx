import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DB_HOST, fakeDockerApi, makeContainer, makeEngine, testSession } from '../testing/containers-test-fixtures';
import { renderDocker } from '../testing/render-docker';
import { ContainersPage } from './containers-page';

vi.mock('../../../app/session', async () => (await import('../testing/mock-session')).mockSession);

const WEB = makeContainer({
  name: 'web',
  stack: 'shop',
  stackService: 'web',
  cpuPercent: 12.34,
  memoryBytes: 256 * 1024 ** 2,
  restartCount: 3,
  health: 'healthy',
  ports: [
    { ip: '0.0.0.0', privatePort: 80, publicPort: 8080, protocol: 'tcp' },
    { ip: '::', privatePort: 80, publicPort: 8080, protocol: 'tcp' },
  ],
});
const WORKER = makeContainer({ name: 'worker', stack: 'shop', stackService: 'worker', state: 'exited', statusText: 'Exited (1) 2 hours ago', cpuPercent: null, memoryBytes: null });
const CACHE = makeContainer({ name: 'cache', state: 'restarting', image: 'redis:7' });
const DATABASE = makeContainer({ name: 'postgres', ...DB_HOST, image: 'postgres:17', state: 'paused' });
const ALL = [WEB, WORKER, CACHE, DATABASE];

afterEach(() => {
  testSession.role = 'operator';
});

function rows() {
  return screen.getAllByRole('row').filter((row) => row.hasAttribute('data-container-id'));
}

function shownNames(): string[] {
  // The host's link comes first in a row, then the container's.
  return rows().map((row) => `${within(row).getAllByRole('link')[0]?.textContent}/${row.getAttribute('data-container-name')}`);
}

function rowOf(name: string, host = 'web-1') {
  return rows().find((row) => row.getAttribute('data-container-name') === name && row.textContent?.includes(host))!;
}

async function openPage(route = '/containers', options: Parameters<typeof fakeDockerApi>[0] = {}) {
  const fake = fakeDockerApi({ containers: ALL, engines: [makeEngine(), makeEngine({ ...DB_HOST })], ...options });
  const rendered = renderDocker(<ContainersPage />, { api: fake.api, route });
  await screen.findByRole('table', { name: 'Containers' });
  return { ...fake, ...rendered };
}

describe('the containers page', () => {
  it('lists every host’s containers with state, health, figures, restarts and ports', async () => {
    await openPage();
    expect(shownNames()).toEqual(['db-1/postgres', 'web-1/cache', 'web-1/web', 'web-1/worker']);
    const web = rowOf('web');
    expect(within(web).getByRole('link', { name: 'web' })).toHaveProperty('pathname', `/hosts/${WEB.agentId}/containers/web`);
    expect(within(web).getByTestId('container-state').textContent).toBe('running');
    expect(within(web).getByTestId('container-state').className).toContain('text-success');
    expect(within(web).getByTestId('container-health').textContent).toBe('healthy');
    expect(within(web).getByTestId('container-stack').textContent).toBe('Stack shop / web');
    expect(web.textContent).toContain('12%');
    expect(web.textContent).toContain('256 MiB');
    // Published on 0.0.0.0 and :: alike: one entry.
    expect(within(web).getAllByText('8080→80/tcp')).toHaveLength(1);
    expect(within(rowOf('worker')).getByTestId('container-state').className).toContain('text-destructive');
    expect(within(rowOf('cache')).getByTestId('container-state').className).toContain('text-warning');
    expect(within(rowOf('postgres', 'db-1')).getByTestId('container-state').className).toContain('text-warning');
  });

  it('opens filtered from the URL and keeps every filter in it', async () => {
    const { user } = await openPage(`/containers?stack=shop`);
    expect(shownNames()).toEqual(['web-1/web', 'web-1/worker']);

    await user.selectOptions(screen.getByRole('combobox', { name: 'State' }), 'exited');
    expect(shownNames()).toEqual(['web-1/worker']);
    expect(screen.getByTestId('location').textContent).toBe('/containers?stack=shop&state=exited');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Stack' }), '');
    await user.selectOptions(screen.getByRole('combobox', { name: 'State' }), '');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Host' }), DB_HOST.agentId);
    expect(shownNames()).toEqual(['db-1/postgres']);

    await user.selectOptions(screen.getByRole('combobox', { name: 'Host' }), '');
    await user.type(screen.getByRole('searchbox', { name: 'Filter containers' }), 'redis');
    expect(shownNames()).toEqual(['web-1/cache']);
    expect(screen.getByTestId('location').textContent).toBe('/containers?q=redis');

    await user.type(screen.getByRole('searchbox', { name: 'Filter containers' }), '-nothing');
    expect(screen.getByText('No containers match these filters')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(shownNames()).toHaveLength(4);
  });

  it("shows a banner with the agent's words for each host whose Docker does not answer", async () => {
    await openPage('/containers', {
      engines: [makeEngine(), makeEngine({ ...DB_HOST, available: false, problem: 'cannot reach the Docker Engine at unix:///var/run/docker.sock (connect ENOENT)' })],
    });
    const banner = screen.getByText('Docker is not available on db-1').closest('[role="status"]')!;
    expect(banner.textContent).toContain('cannot reach the Docker Engine at unix:///var/run/docker.sock (connect ENOENT)');
    expect(screen.queryByText('Docker is not available on web-1')).toBeNull();
  });

  it('says what to do when there are no containers at all', async () => {
    const fake = fakeDockerApi({ containers: [], engines: [] });
    renderDocker(<ContainersPage />, { api: fake.api, route: '/containers' });
    expect(await screen.findByText('No containers yet')).toBeTruthy();
    expect(screen.getByText(/Add a host on the Hosts page/)).toBeTruthy();
  });
});

describe('bulk actions', () => {
  it('stops the selected containers after a confirmation listing them, and shows the new states', async () => {
    const { api, user } = await openPage();
    await user.click(within(rowOf('web')).getByRole('checkbox', { name: 'Select web on web-1' }));
    await user.click(within(rowOf('cache')).getByRole('checkbox', { name: 'Select cache on web-1' }));
    const bar = screen.getByRole('group', { name: 'Selected containers' });
    expect(within(bar).getByText('2 selected')).toBeTruthy();

    await user.click(within(bar).getByRole('button', { name: 'Stop' }));
    const dialog = screen.getByRole('dialog', { name: 'Stop 2 containers?' });
    expect(within(within(dialog).getByRole('list', { name: 'Containers' })).getAllByRole('listitem').map((item) => item.textContent)).toEqual([
      'cache on web-1restarting',
      'web on web-1running',
    ]);
    expect(api.containers.stop).not.toHaveBeenCalled();

    await user.click(within(dialog).getByRole('button', { name: 'Stop 2 containers' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.containers.stop.mock.calls.map(([agentId, ref]) => [agentId, ref]).sort()).toEqual(
      [
        [WEB.agentId, WEB.containerId],
        [CACHE.agentId, CACHE.containerId],
      ].sort(),
    );
    expect(within(rowOf('web')).getByTestId('container-state').textContent).toBe('exited');
    expect(within(rowOf('cache')).getByTestId('container-state').textContent).toBe('exited');
    expect(screen.queryByRole('group', { name: 'Selected containers' })).toBeNull();
  });

  it('selects every row shown, and removes them with force only when asked', async () => {
    const { api, user } = await openPage('/containers?stack=shop');
    await user.click(screen.getByRole('checkbox', { name: 'Select every container shown' }));
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove 2 containers?' });
    await user.click(within(dialog).getByRole('checkbox', { name: /Force/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Remove 2 containers' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.containers.remove).toHaveBeenCalledWith(WEB.agentId, WEB.containerId, { force: true });
    expect(api.containers.remove).toHaveBeenCalledWith(WORKER.agentId, WORKER.containerId, { force: true });
    expect(screen.getByText('No containers match these filters')).toBeTruthy();
  });

  it("keeps the dialog open on the ones that failed, with the server's reason for each", async () => {
    const { api, user } = await openPage();
    const { ApiError } = await import('@infrapilot/client');
    api.containers.restart.mockImplementation(async (agentId: string) => {
      if (agentId === DB_HOST.agentId) throw new ApiError(403, 'policy_denied', "db-1's policy does not allow restart");
      return { ...WEB, restartCount: 4 };
    });
    await user.click(within(rowOf('web')).getByRole('checkbox'));
    await user.click(within(rowOf('postgres', 'db-1')).getByRole('checkbox'));
    await user.click(screen.getByRole('button', { name: 'Restart' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Restart 2 containers' }));

    const dialog = await screen.findByRole('dialog', { name: 'Restart postgres?' });
    expect(within(dialog).getByRole('alert').textContent).toBe("postgres on db-1: db-1's policy does not allow restart");
    expect(within(dialog).getAllByRole('listitem')).toHaveLength(1);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    // What went through is shown at once.
    expect(within(rowOf('web')).getAllByRole('cell')[7]?.textContent).toBe('4');
  });
});

describe('what each role sees', () => {
  it('gives a viewer no selection, no bulk bar and no actions that change anything', async () => {
    testSession.role = 'viewer';
    const { user } = await openPage();
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
    await user.click(within(rowOf('web')).getByRole('button', { name: 'Actions for web on web-1' }));
    const menu = screen.getByRole('menu');
    expect(within(menu).getAllByRole('menuitem').map((item) => item.textContent)).toEqual(['Details', 'Logs']);
  });

  it('gives an operator the actions that fit each state, and the terminal for running ones', async () => {
    const { user } = await openPage();
    await user.click(within(rowOf('web')).getByRole('button', { name: 'Actions for web on web-1' }));
    expect(within(screen.getByRole('menu')).getAllByRole('menuitem').map((item) => item.textContent)).toEqual([
      'Details',
      'Logs',
      'Open terminal',
      'Stop…',
      'Restart…',
      'Remove…',
    ]);
    await user.keyboard('{Escape}');
    await user.click(within(rowOf('worker')).getByRole('button', { name: 'Actions for worker on web-1' }));
    expect(within(screen.getByRole('menu')).getAllByRole('menuitem').map((item) => item.textContent)).toEqual(['Details', 'Logs', 'Start', 'Remove…']);
  });
});
