import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DB_HOST, fakeDockerApi, makeStack, testSession } from '../testing/containers-test-fixtures';
import { renderDocker } from '../testing/render-docker';
import { StacksPage } from './stacks-page';

vi.mock('../../../app/session', async () => (await import('../testing/mock-session')).mockSession);

const SHOP = makeStack({ name: 'shop', services: ['web', 'worker'], containers: 3, running: 2, states: { running: 2, exited: 1 } });
const MONITORING = makeStack({ name: 'monitoring', ...DB_HOST, services: ['grafana'], containers: 1, running: 1, states: { running: 1 } });

afterEach(() => {
  testSession.role = 'operator';
});

async function openPage() {
  const fake = fakeDockerApi({ stacks: [SHOP, MONITORING] });
  const rendered = renderDocker(<StacksPage />, { api: fake.api, route: '/stacks' });
  await screen.findByRole('table', { name: 'Stacks' });
  return { ...fake, ...rendered };
}

const rowOf = (name: string) => screen.getAllByRole('row').find((row) => row.getAttribute('data-stack') === name)!;

describe('the stacks page', () => {
  it('lists stacks by host with services, running of total, the state breakdown and a link to their containers', async () => {
    await openPage();
    const shop = rowOf('shop');
    expect(shop.textContent).toContain('web, worker');
    expect(shop.textContent).toContain('2 of 3');
    expect(within(shop).getByText('1 exited').className).toContain('text-destructive');
    const link = within(shop).getByRole('link', { name: 'shop: its containers on web-1' });
    expect(link.getAttribute('href')).toBe(`/containers?host=${SHOP.agentId}&stack=shop`);
    expect(screen.getAllByRole('row').slice(1).map((row) => row.getAttribute('data-stack'))).toEqual(['monitoring', 'shop']);
  });

  it('stops a stack only after confirming', async () => {
    const { api, user } = await openPage();
    await user.click(within(rowOf('shop')).getByRole('button', { name: 'Stop stack shop on web-1' }));
    const dialog = screen.getByRole('dialog', { name: 'Stop stack shop?' });
    expect(within(dialog).getByText(/3 containers on web-1 \(web, worker\)/)).toBeTruthy();
    expect(api.stacks.stop).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole('button', { name: 'Stop stack' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.stacks.stop).toHaveBeenCalledWith(SHOP.agentId, 'shop');
  });

  it('gives a viewer no stack actions', async () => {
    testSession.role = 'viewer';
    await openPage();
    expect(within(rowOf('shop')).queryAllByRole('button')).toHaveLength(0);
  });

  it('says what a stack is when there is none', async () => {
    renderDocker(<StacksPage />, { api: fakeDockerApi().api, route: '/stacks' });
    expect(await screen.findByText('No compose stacks')).toBeTruthy();
  });
});
