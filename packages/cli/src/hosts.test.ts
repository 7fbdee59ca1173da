import type { Agent } from '@infrapilot/protocol';
import { describe, expect, it } from 'vitest';
import { chooseHostScope, findHost } from './hosts.js';

const host = (id: string, name: string) => ({ id, name }) as Agent;
const web1 = host('0190a8b0-0000-7000-8000-000000000001', 'web-1');
const web2 = host('0190a8b0-0000-7000-8000-000000000002', 'web-2');

describe('findHost', () => {
  it('finds a host by id, by name, and by name in another case', () => {
    expect(findHost([web1, web2], web2.id)).toEqual({ id: web2.id, name: 'web-2' });
    expect(findHost([web1, web2], 'web-1')).toEqual({ id: web1.id, name: 'web-1' });
    expect(findHost([web1, web2], 'WEB-1')).toEqual({ id: web1.id, name: 'web-1' });
  });

  it('prefers the exact name over one that differs only in case', () => {
    const upper = host('0190a8b0-0000-7000-8000-000000000003', 'Web-1');
    expect(findHost([upper, web1], 'web-1').id).toBe(web1.id);
  });

  it('refuses a name two hosts share, naming their ids', () => {
    const twin = host('0190a8b0-0000-7000-8000-000000000004', 'web-1');
    expect(() => findHost([web1, twin], 'web-1')).toThrow(`several hosts are called "web-1" (${web1.id}, ${twin.id}); name one by its id`);
  });

  it('says which hosts there are when none matches', () => {
    expect(() => findHost([web1, web2], 'db-1')).toThrow('no host "db-1" in this org; hosts: web-1, web-2');
    expect(() => findHost([], 'db-1')).toThrow(/no hosts yet; add one with `infrapilot agents add NAME`/);
  });
});

describe('chooseHostScope', () => {
  it('uses the only host when none is named', () => {
    expect(chooseHostScope([web1], { host: undefined, allHosts: undefined }, 'infrapilot containers ls')).toMatchObject({ kind: 'one', host: { name: 'web-1' } });
  });

  it('asks for a host or --all-hosts when there are several', () => {
    expect(() => chooseHostScope([web1, web2], { host: undefined, allHosts: undefined }, 'infrapilot containers ls')).toThrow(
      'this org has 2 hosts (web-1, web-2); name one, e.g. `infrapilot containers ls web-1`, or pass --all-hosts',
    );
    // A command without --all-hosts does not suggest it.
    expect(() => chooseHostScope([web1, web2], { host: undefined }, 'infrapilot images ls')).toThrow(/e\.g\. `infrapilot images ls web-1`$/);
  });

  it('covers every host with --all-hosts, and refuses a host together with it', () => {
    expect(chooseHostScope([web1, web2], { allHosts: true }, 'x')).toEqual({ kind: 'all', hosts: [web1, web2] });
    expect(() => chooseHostScope([web1, web2], { host: 'web-1', allHosts: true }, 'x')).toThrow('name a HOST or pass --all-hosts, not both');
  });

  it('says how to add a host when the org has none', () => {
    expect(() => chooseHostScope([], {}, 'x')).toThrow('this org has no hosts yet; add one with `infrapilot agents add NAME`');
  });
});
