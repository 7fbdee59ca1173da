import { screen, waitFor, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeDockerApi, makeContainer, makeDetail, testSession } from '../testing/containers-test-fixtures';
import { renderDocker } from '../testing/render-docker';
import { ContainerDetailPage } from './container-detail-page';
import { ContainerEnvironment } from './container-environment';

vi.mock('../../../app/session', async () => (await import('../testing/mock-session')).mockSession);

const WEB = makeContainer({ name: 'web' });

afterEach(() => {
  testSession.role = 'operator';
});

async function openPage(tab = '') {
  const fake = fakeDockerApi({ containers: [WEB] });
  const rendered = renderDocker(
    <main>
      <Routes>
        <Route path="/hosts/:id/containers/:cid" element={<ContainerDetailPage />} />
        <Route path="/containers" element={<h1>Container list</h1>} />
      </Routes>
    </main>,
    { api: fake.api, route: `/hosts/${WEB.agentId}/containers/web${tab}` },
  );
  await screen.findByRole('heading', { level: 1, name: 'web' });
  return { ...fake, ...rendered };
}

describe('the environment tab', () => {
  it('masks every value until revealed, one by one or all at once', async () => {
    const { user } = renderDocker(
      <ContainerEnvironment
        variables={[
          { name: 'PATH', value: '/usr/bin' },
          { name: 'DATABASE_PASSWORD', value: 'hunter2-secret' },
        ]}
      />,
      { api: fakeDockerApi().api },
    );
    expect(screen.queryByText('hunter2-secret')).toBeNull();
    expect(screen.queryByText('/usr/bin')).toBeNull();
    expect(screen.getByTestId('env-value-DATABASE_PASSWORD').textContent).toBe('••••••••hidden');

    await user.click(screen.getByRole('button', { name: 'Reveal DATABASE_PASSWORD' }));
    expect(screen.getByText('hunter2-secret')).toBeTruthy();
    expect(screen.queryByText('/usr/bin')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Hide DATABASE_PASSWORD' }));
    expect(screen.queryByText('hunter2-secret')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Reveal all' }));
    expect(screen.getByText('hunter2-secret')).toBeTruthy();
    expect(screen.getByText('/usr/bin')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Hide all' }));
    expect(screen.queryByText('hunter2-secret')).toBeNull();
  });

  it('says the values are hidden for the role when the server sent none, and offers nothing to reveal', () => {
    renderDocker(<ContainerEnvironment variables={[{ name: 'DATABASE_PASSWORD', value: null }]} />, { api: fakeDockerApi().api });
    expect(screen.getByTestId('env-value-DATABASE_PASSWORD').textContent).toBe('hidden for your role');
    expect(screen.getByText(/Values are hidden for your role/)).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });
});

describe('the container page', () => {
  it('shows the inspect summary, and stops the container after confirming, with the new state at once', async () => {
    const { api, user } = await openPage();
    expect(screen.getByTestId('container-state').textContent).toBe('running');
    expect(screen.getByText('/docker-entrypoint.sh nginx -g \'daemon off;\'')).toBeTruthy();
    expect(screen.getByText('unless-stopped')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Stop' }));
    const dialog = screen.getByRole('dialog', { name: 'Stop web?' });
    await user.click(within(dialog).getByRole('button', { name: 'Stop container' }));
    await waitFor(() => expect(screen.getByTestId('container-state').textContent).toBe('exited'));
    expect(api.containers.stop).toHaveBeenCalledWith(WEB.agentId, WEB.containerId);
    expect(screen.getByRole('button', { name: 'Start' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Open terminal' })).toBeNull();
    // The Stop button went with the state: focus is on the page's heading, not lost.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1, name: 'web' })));
  });

  it('goes back to the list after removing the container', async () => {
    const { api, user } = await openPage();
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Remove container' }));
    expect(await screen.findByRole('heading', { name: 'Container list' })).toBeTruthy();
    expect(api.containers.remove).toHaveBeenCalledWith(WEB.agentId, WEB.containerId, { force: false });
  });

  it('opens the terminal tab from the header', async () => {
    const { user } = await openPage();
    await user.click(screen.getByRole('button', { name: 'Open terminal' }));
    expect(screen.getByRole('tab', { name: 'Terminal' }).getAttribute('aria-selected')).toBe('true');
    expect(screen.getByTestId('location').textContent).toBe(`/hosts/${WEB.agentId}/containers/web?tab=terminal`);
  });

  it('gives a viewer no actions, no terminal, and no environment values', async () => {
    testSession.role = 'viewer';
    const fake = fakeDockerApi({ containers: [WEB] });
    fake.api.containers.get.mockResolvedValue(makeDetail(WEB, { env: [{ name: 'DATABASE_PASSWORD', value: null }] }));
    const { user } = renderDocker(
      <Routes>
        <Route path="/hosts/:id/containers/:cid" element={<ContainerDetailPage />} />
      </Routes>,
      { api: fake.api, route: `/hosts/${WEB.agentId}/containers/web?tab=terminal` },
    );
    await screen.findByRole('heading', { level: 1, name: 'web' });
    for (const name of ['Start', 'Stop', 'Restart', 'Remove', 'Open terminal']) expect(screen.queryByRole('button', { name })).toBeNull();
    expect(screen.queryByRole('tab', { name: 'Terminal' })).toBeNull();
    // Asked for the terminal in the URL, a viewer lands on the overview.
    expect(screen.getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected')).toBe('true');
    await user.click(screen.getByRole('tab', { name: 'Environment' }));
    expect(screen.getByTestId('env-value-DATABASE_PASSWORD').textContent).toBe('hidden for your role');
  });
});
