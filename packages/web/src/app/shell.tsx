import { Boxes, Building2, ChevronDown, Globe, KeyRound, Layers, LayoutDashboard, LogOut, Menu, Monitor, Moon, ScrollText, Server, ShieldCheck, Sun, User, Users } from 'lucide-react';
import type { Permission } from '@infrapilot/protocol';
import { type ComponentType, useState } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { Button } from '../components/ui/button';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../components/ui/dropdown-menu';
import { useToast } from '../components/ui/toast';
import { useContainersLiveCache } from '../features/containers/containers-live-cache';
import { useHostsLiveCache } from '../features/hosts/hosts-live-cache';
import { useProxiesLiveCache } from '../features/proxies/proxies-live-cache';
import { lowerCaseRoleLabel } from '../features/members/roles';
import { cn } from '../lib/class-names';
import { describeError } from '../lib/error-text';
import { LiveIndicator } from './live-indicator';
import { LiveSocketProvider } from './live-socket';
import { useSession } from './session';
import { type ThemeChoice, useTheme } from './theme';

interface NavItem {
  to: string;
  label: string;
  icon: ComponentType<{ className?: string }>;
  /** Hidden from roles without it (the server refuses them anyway). */
  permission?: Permission;
}

/** A container's page lives under its host (/hosts/:id/containers/:cid) but belongs to "Containers" in the navigation. */
const CONTAINER_PAGE = /^\/hosts\/[^/]+\/containers\//;

/** Whether a navigation entry is the page shown: its path or one below it (the overview only itself). */
function isCurrent(to: string, pathname: string): boolean {
  const matched = pathname === to || (to !== '/' && pathname.startsWith(`${to}/`));
  if (to === '/containers') return matched || CONTAINER_PAGE.test(pathname);
  if (to === '/hosts') return matched && !CONTAINER_PAGE.test(pathname);
  return matched;
}

const NAV: NavItem[] = [
  { to: '/', label: 'Overview', icon: LayoutDashboard },
  { to: '/hosts', label: 'Hosts', icon: Server, permission: 'agents:read' },
  { to: '/containers', label: 'Containers', icon: Boxes, permission: 'containers:read' },
  { to: '/stacks', label: 'Stacks', icon: Layers, permission: 'containers:read' },
  { to: '/proxies', label: 'Proxy hosts', icon: Globe, permission: 'proxies:read' },
  { to: '/certificates', label: 'Certificates', icon: ShieldCheck, permission: 'proxies:read' },
  { to: '/members', label: 'Members', icon: Users, permission: 'members:read' },
  { to: '/users', label: 'Users', icon: User, permission: 'users:manage' },
  { to: '/api-keys', label: 'API keys', icon: KeyRound, permission: 'apikeys:read' },
  { to: '/audit', label: 'Audit log', icon: ScrollText, permission: 'audit:read' },
];

/** The signed-in frame: navigation, org switcher, live indicator, theme and account menu. */
export function Shell() {
  const { org } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <LiveSocketProvider orgId={org?.id ?? null}>
      <HostsLiveCache />
      <ContainersLiveCache />
      <ProxiesLiveCache />
      <div className="min-h-screen md:grid md:grid-cols-[14rem_1fr]">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-card focus:p-2">
          Skip to content
        </a>
        <aside className={cn('border-r border-border bg-card md:block', menuOpen ? 'block' : 'hidden')}>
          <div className="hidden h-14 items-center gap-2 border-b border-border px-4 font-semibold md:flex">
            <img src="/favicon.svg" alt="" className="h-6 w-6" /> InfraPilot
          </div>
          <Navigation onNavigate={() => setMenuOpen(false)} />
        </aside>
        <div className="min-w-0">
          <header className="flex h-14 items-center gap-2 border-b border-border bg-card px-3 md:px-6">
            <Button variant="ghost" size="icon" className="md:hidden" aria-label="Open navigation" aria-expanded={menuOpen} onClick={() => setMenuOpen((open) => !open)}>
              <Menu className="h-5 w-5" aria-hidden />
            </Button>
            <span className="font-semibold md:hidden">InfraPilot</span>
            <OrgSwitcher />
            <div className="ml-auto flex items-center gap-2">
              <LiveIndicator />
              <ThemeMenu />
              <AccountMenu />
            </div>
          </header>
          <main id="main" className="mx-auto max-w-7xl p-3 md:p-6">
            <Outlet />
          </main>
        </div>
      </div>
    </LiveSocketProvider>
  );
}

function HostsLiveCache() {
  useHostsLiveCache();
  return null;
}

function ContainersLiveCache() {
  useContainersLiveCache();
  return null;
}

function ProxiesLiveCache() {
  useProxiesLiveCache();
  return null;
}

function Navigation({ onNavigate }: { onNavigate: () => void }) {
  const { can } = useSession();
  const { pathname } = useLocation();
  return (
    <nav aria-label="Main" className="flex flex-col gap-0.5 p-2">
      {NAV.filter((item) => !item.permission || can(item.permission)).map(({ to, label, icon: Icon }) => {
        const current = isCurrent(to, pathname);
        return (
          <Link
            key={to}
            to={to}
            onClick={onNavigate}
            aria-current={current ? 'page' : undefined}
            className={cn(
              'flex items-center gap-2 rounded-md px-3 py-2 text-sm focus-visible:outline-2 focus-visible:outline-ring',
              current ? 'bg-primary/10 font-medium text-primary' : 'text-muted-foreground hover:bg-muted hover:text-foreground',
            )}
          >
            <Icon className="h-4 w-4" aria-hidden />
            {label}
          </Link>
        );
      })}
    </nav>
  );
}

function OrgSwitcher() {
  const { me, org, switchOrg } = useSession();
  const notify = useToast();
  if (!me || !org) return null;
  const role = lowerCaseRoleLabel(org.role);
  // The accessible name says what the button does, then holds the visible text (WCAG 2.5.3, label in name).
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="sm" aria-label={`Switch organization: ${org.name} (${role})`}>
          <Building2 className="h-4 w-4" aria-hidden />
          <span className="max-w-40 truncate">{org.name}</span>
          <span className="hidden text-xs text-muted-foreground sm:inline">({role})</span>
          <ChevronDown className="h-3 w-3" aria-hidden />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start">
        <DropdownMenuLabel>Organizations</DropdownMenuLabel>
        <DropdownMenuRadioGroup
          value={org.id}
          onValueChange={(id) =>
            void switchOrg(id).catch((error: unknown) => notify({ title: 'Could not switch organization', description: describeError(error).hint, tone: 'error' }))
          }
        >
          {me.orgs.map((other) => (
            <DropdownMenuRadioItem key={other.id} value={other.id}>
              {other.name} <span className="text-xs text-muted-foreground">{lowerCaseRoleLabel(other.role)}</span>
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

const THEME_ICONS: Record<ThemeChoice, ComponentType<{ className?: string }>> = { light: Sun, dark: Moon, system: Monitor };

function ThemeMenu() {
  const [theme, setTheme] = useTheme();
  const Icon = THEME_ICONS[theme];
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon" aria-label={`Theme: ${theme}`}>
          <Icon className="h-4 w-4" aria-hidden />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuRadioGroup value={theme} onValueChange={(value) => setTheme(value as ThemeChoice)}>
          <DropdownMenuRadioItem value="light">Light</DropdownMenuRadioItem>
          <DropdownMenuRadioItem value="dark">Dark</DropdownMenuRadioItem>
          <DropdownMenuRadioItem value="system">System</DropdownMenuRadioItem>
        </DropdownMenuRadioGroup>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

function AccountMenu() {
  const { me, signOut } = useSession();
  const who = me?.user?.email ?? me?.apiKey?.name;
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="sm" aria-label={who ? `Account menu: ${who}` : 'Account menu'}>
          <User className="h-4 w-4" aria-hidden />
          <span className="hidden max-w-48 truncate sm:inline">{who}</span>
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuItem asChild>
          <NavLink to="/account">
            <User className="h-4 w-4" aria-hidden /> Account
          </NavLink>
        </DropdownMenuItem>
        <DropdownMenuSeparator />
        <DropdownMenuItem onSelect={() => void signOut()}>
          <LogOut className="h-4 w-4" aria-hidden /> Sign out
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
