import type {
  Agent,
  AgentCreate,
  AgentEnrollment,
  AgentMetrics,
  AgentPing,
  AgentPingQuery,
  AgentSystemInfo,
  ApiKey,
  ApiKeyCreated,
  ApiKeyCreateSchema,
  AuditEntry,
  Container,
  ContainerDetail,
  ContainerExecInput,
  ContainerExecResult,
  ContainerList,
  ContainerListQuery,
  ContainerLogs,
  ContainerLogsQuery,
  ContainerStats,
  DockerEngine,
  Image,
  Network,
  Stack,
  StackActionReply,
  Volume,
  AcmeSettings,
  Certificate,
  CertificateUpload,
  ProxyConfig,
  ProxyHost,
  ProxyHostInputBody,
  ProxyServer,
  ProxySslRequestSchema,
  ProxyTestResult,
  SelfSignedCertificateRequestSchema,
  AuditQuerySchema,
  EnrollmentToken,
  ErrorReply,
  LoginReply,
  LoginSchema,
  Me,
  MemberAddSchema,
  MfaEnableReply,
  MfaSetupReply,
  MyOrg,
  Ok,
  Org,
  OrgCreateSchema,
  OrgUpdateSchema,
  Page,
  PasswordChangeSchema,
  PasswordResetReply,
  PasswordResetSchema,
  Session,
  Role,
  Tokens,
  User,
  UserCreated,
  UserCreateSchema,
} from '@infrapilot/protocol';
import { ORG_HEADER } from '@infrapilot/protocol';
import type { z } from 'zod';
import { ApiError } from './api-error.js';

export interface StoredTokens {
  accessToken: string;
  /** Absent in a browser session, where the refresh token is an httpOnly cookie. */
  refreshToken?: string | undefined;
}

export interface ClientOptions {
  /** The server's URL, e.g. http://localhost:8080 (without /api/v1). */
  baseUrl: string;
  /** An access token and refresh token from a previous sign-in. */
  tokens?: StoredTokens | undefined;
  /** An API key (ipk_...) instead of tokens. */
  apiKey?: string | undefined;
  /** The org to act in (id or slug); the server's default is your first org. */
  org?: string | undefined;
  /**
   * `cookie` (the web app): the server keeps the refresh token in an httpOnly cookie the
   * page never sees; the client holds only the access token, in memory. Default `body`.
   */
  refreshTokenDelivery?: 'body' | 'cookie' | undefined;
  /** Told whenever the client obtains new tokens (login, refresh), so callers can persist them. */
  onTokens?: ((tokens: StoredTokens | null) => void) | undefined;
  fetch?: typeof fetch;
  userAgent?: string;
}

type Query = Record<string, string | number | undefined>;

interface RequestOptions {
  body?: unknown;
  query?: Query | undefined;
  /** Send credentials (default true). */
  authenticated?: boolean;
}

function containerBase(agentId: string): string {
  return `/api/v1/agents/${encodeURIComponent(agentId)}/containers`;
}

function containerPath(agentId: string, container: string): string {
  return `${containerBase(agentId)}/${encodeURIComponent(container)}`;
}

function proxyBase(agentId: string): string {
  return `/api/v1/agents/${encodeURIComponent(agentId)}/proxies`;
}

function proxyPath(agentId: string, proxyHostId: string): string {
  return `${proxyBase(agentId)}/${encodeURIComponent(proxyHostId)}`;
}

function stackPath(agentId: string, stack: string): string {
  return `/api/v1/agents/${encodeURIComponent(agentId)}/stacks/${encodeURIComponent(stack)}`;
}

/** Typed client of the InfraPilot REST API, shared by the CLI, the web app and the tests. */
export class InfraPilotClient {
  readonly baseUrl: string;
  private tokens: StoredTokens | null;
  private readonly apiKey: string | undefined;
  private org: string | undefined;
  private readonly options: ClientOptions;
  private refreshing: Promise<boolean> | null = null;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.tokens = options.tokens ?? null;
    this.apiKey = options.apiKey;
    this.org = options.org;
    this.options = options;
  }

  /** The tokens currently held, if signed in with a password. */
  get currentTokens(): StoredTokens | null {
    return this.tokens;
  }

  /** The credential requests carry: the API key, or the access token held (null when signed out). */
  get credential(): string | null {
    return this.apiKey ?? this.tokens?.accessToken ?? null;
  }

  /** The org requests act in (id or slug), if one was chosen. */
  get currentOrg(): string | undefined {
    return this.org;
  }

  /** Acts in another org from now on (id or slug). */
  useOrg(org: string | undefined): void {
    this.org = org;
  }

  /** Sends one request; on 401 with a refresh token it refreshes once and retries. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const authenticated = options.authenticated ?? true;
    let response = await this.send(method, path, options, authenticated);
    if (response.status === 401 && authenticated && !this.apiKey && this.canRefresh && (await this.refreshOnce())) {
      response = await this.send(method, path, options, authenticated);
    }
    return this.parse<T>(response);
  }

  private async send(method: string, path: string, options: RequestOptions, authenticated: boolean): Promise<Response> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.userAgent) headers['user-agent'] = this.options.userAgent;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (authenticated) {
      const credential = this.apiKey ?? this.tokens?.accessToken;
      if (credential) headers.authorization = `Bearer ${credential}`;
      if (this.org) headers[ORG_HEADER] = this.org;
    }
    try {
      return await (this.options.fetch ?? fetch)(url, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    } catch (error) {
      throw new ApiError(0, 'network_error', `Cannot reach ${this.baseUrl}: ${(error as Error).cause ?? (error as Error).message}`);
    }
  }

  private async parse<T>(response: Response): Promise<T> {
    const text = await response.text();
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (response.ok) return body as T;
    const error = (body as ErrorReply | undefined)?.error;
    const retryAfter = response.headers.get('retry-after');
    throw new ApiError(
      response.status,
      error?.code ?? `http_${response.status}`,
      error?.message ?? (typeof body === 'string' && body ? body : response.statusText),
      error?.details ?? [],
      error?.requestId,
      retryAfter ? Number(retryAfter) : undefined,
    );
  }

  private get usesCookie(): boolean {
    return this.options.refreshTokenDelivery === 'cookie';
  }

  private get canRefresh(): boolean {
    return this.usesCookie || Boolean(this.tokens?.refreshToken);
  }

  /** Gets a new access token once for all callers waiting on it; false when the session is gone. */
  refreshOnce(): Promise<boolean> {
    this.refreshing ??= this.refreshAllowingOneRace()
      .then(() => true)
      .catch((error: unknown) => {
        // Only a refused refresh token is gone for good; a network blip keeps it.
        if (error instanceof ApiError && error.status === 401) this.setTokens(null);
        return false;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /**
   * Two tabs of one browser share the refresh cookie: when another tab rotated it a
   * moment ago, the browser already holds the new one, so asking again succeeds.
   */
  private async refreshAllowingOneRace(): Promise<Tokens> {
    try {
      return await this.auth.refresh();
    } catch (error) {
      if (!this.usesCookie || !(error instanceof ApiError) || error.code !== 'refresh_token_raced') throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
      return this.auth.refresh();
    }
  }

  private setTokens(tokens: StoredTokens | null): void {
    this.tokens = tokens;
    this.options.onTokens?.(tokens);
  }

  /** /auth: sign-in, MFA and session tokens. */
  readonly auth = {
    /** Signs in; keeps the tokens unless a second factor is required. */
    login: async (input: z.input<typeof LoginSchema>): Promise<LoginReply> => {
      const body = this.usesCookie ? { ...input, refreshTokenDelivery: 'cookie' as const } : input;
      const reply = await this.request<LoginReply>('POST', '/api/v1/auth/login', { body, authenticated: false });
      if (!reply.mfaRequired) this.setTokens({ accessToken: reply.accessToken, refreshToken: reply.refreshToken });
      return reply;
    },
    /** Finishes a sign-in with a TOTP or recovery code; keeps the tokens. */
    verifyMfa: async (input: { mfaToken: string; code: string }): Promise<Tokens> => {
      const body = this.usesCookie ? { ...input, refreshTokenDelivery: 'cookie' as const } : input;
      const tokens = await this.request<Tokens>('POST', '/api/v1/auth/mfa/verify', { body, authenticated: false });
      this.setTokens({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
      return tokens;
    },
    /** Rotates the refresh token held (or the one given, or the browser's cookie) and keeps the new tokens. */
    refresh: async (refreshToken?: string): Promise<Tokens> => {
      const token = refreshToken ?? this.tokens?.refreshToken;
      if (!token && !this.usesCookie) throw new ApiError(401, 'unauthenticated', 'Not signed in');
      const tokens = await this.request<Tokens>('POST', '/api/v1/auth/refresh', { body: token ? { refreshToken: token } : {}, authenticated: false });
      this.setTokens({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
      return tokens;
    },
    logout: async (): Promise<Ok> => {
      const reply = await this.request<Ok>('POST', '/api/v1/auth/logout', {
        body: this.tokens?.refreshToken ? { refreshToken: this.tokens.refreshToken } : {},
      });
      this.setTokens(null);
      return reply;
    },
    me: () => this.request<Me>('GET', '/api/v1/auth/me'),
    setupMfa: () => this.request<MfaSetupReply>('POST', '/api/v1/auth/mfa/setup'),
    enableMfa: (code: string) => this.request<MfaEnableReply>('POST', '/api/v1/auth/mfa/enable', { body: { code } }),
    disableMfa: (code: string) => this.request<Ok>('POST', '/api/v1/auth/mfa/disable', { body: { code } }),
    changePassword: (input: z.input<typeof PasswordChangeSchema>) =>
      this.request<{ ok: true; revokedSessions: number }>('POST', '/api/v1/auth/password', { body: input }),
    /** Your signed-in sessions; `current` marks this one. */
    sessions: () => this.request<Page<Session>>('GET', '/api/v1/auth/sessions'),
    /** Signs out one of your sessions. */
    endSession: (id: string) => this.request<Ok>('DELETE', `/api/v1/auth/sessions/${encodeURIComponent(id)}`),
  };

  /** /orgs: the organizations you belong to. */
  readonly orgs = {
    list: () => this.request<Page<MyOrg>>('GET', '/api/v1/orgs'),
    create: (input: z.input<typeof OrgCreateSchema>) => this.request<Org>('POST', '/api/v1/orgs', { body: input }),
    current: () => this.request<Org>('GET', '/api/v1/orgs/current'),
    updateCurrent: (input: z.input<typeof OrgUpdateSchema>) => this.request<Org>('PATCH', '/api/v1/orgs/current', { body: input }),
  };

  /** /users: people of the current org. */
  readonly users = {
    list: (page: { limit?: number; cursor?: string } = {}) => this.request<Page<User>>('GET', '/api/v1/users', { query: page }),
    get: (id: string) => this.request<User>('GET', `/api/v1/users/${encodeURIComponent(id)}`),
    create: (input: z.input<typeof UserCreateSchema>) => this.request<UserCreated>('POST', '/api/v1/users', { body: input }),
    disable: (id: string) => this.request<User>('POST', `/api/v1/users/${encodeURIComponent(id)}/disable`),
    enable: (id: string) => this.request<User>('POST', `/api/v1/users/${encodeURIComponent(id)}/enable`),
    /** Sets someone's password (generated when omitted) and signs them out everywhere. */
    resetPassword: (id: string, input: z.input<typeof PasswordResetSchema> = {}) =>
      this.request<PasswordResetReply>('POST', `/api/v1/users/${encodeURIComponent(id)}/password`, { body: input }),
    /** Turns MFA off for someone who lost their device. */
    resetMfa: (id: string) => this.request<Ok>('POST', `/api/v1/users/${encodeURIComponent(id)}/mfa/reset`),
  };

  /** /members: who belongs to the current org, with which role. */
  readonly members = {
    list: (page: { limit?: number; cursor?: string } = {}) => this.request<Page<User>>('GET', '/api/v1/members', { query: page }),
    add: (input: z.input<typeof MemberAddSchema>) => this.request<User>('POST', '/api/v1/members', { body: input }),
    updateRole: (userId: string, role: Role) =>
      this.request<User>('PATCH', `/api/v1/members/${encodeURIComponent(userId)}`, { body: { role } }),
    remove: (userId: string) => this.request<Ok>('DELETE', `/api/v1/members/${encodeURIComponent(userId)}`),
  };

  /** /api-keys: keys acting in the current org with one role. */
  readonly apiKeys = {
    list: (page: { limit?: number; cursor?: string } = {}) => this.request<Page<ApiKey>>('GET', '/api/v1/api-keys', { query: page }),
    create: (input: z.input<typeof ApiKeyCreateSchema>) => this.request<ApiKeyCreated>('POST', '/api/v1/api-keys', { body: input }),
    revoke: (id: string) => this.request<ApiKey>('DELETE', `/api/v1/api-keys/${encodeURIComponent(id)}`),
  };

  /** /agents: hosts of the current org, how they enroll, their figures and commands sent to them. */
  readonly agents = {
    /** Hosts with status and live figures. */
    list: (page: { limit?: number; cursor?: string } = {}) => this.request<Page<Agent>>('GET', '/api/v1/agents', { query: page }),
    /** One host: status, version, OS, certificate, live figures. */
    get: (id: string) => this.request<Agent>('GET', `/api/v1/agents/${encodeURIComponent(id)}`),
    /** A single-use enrollment token with the join command and installer line (the token is shown once). */
    create: (input: AgentCreate) => this.request<AgentEnrollment>('POST', '/api/v1/agents', { body: input }),
    /** Removes a host: revokes its certificate and closes its connection at once. */
    remove: (id: string) => this.request<Agent>('DELETE', `/api/v1/agents/${encodeURIComponent(id)}`),
    /** CPU, memory, disk, load and network over time, averaged per step (seconds). */
    metrics: (id: string, query: { from?: string; to?: string; step?: number } = {}) =>
      this.request<AgentMetrics>('GET', `/api/v1/agents/${encodeURIComponent(id)}/metrics`, { query }),
    /** Round trip over the host's command stream. */
    ping: (id: string, query: AgentPingQuery = {}) => this.request<AgentPing>('POST', `/api/v1/agents/${encodeURIComponent(id)}/ping`, { query }),
    /** What the host reports about itself (the system.info command). */
    systemInfo: (id: string) => this.request<AgentSystemInfo>('GET', `/api/v1/agents/${encodeURIComponent(id)}/system-info`),
    /** Enrollment tokens not used yet and not expired. */
    enrollmentTokens: () => this.request<{ items: EnrollmentToken[] }>('GET', '/api/v1/agents/enrollment-tokens'),
    /** Revokes an unused enrollment token. */
    revokeEnrollmentToken: (id: string) => this.request<Ok>('DELETE', `/api/v1/agents/enrollment-tokens/${encodeURIComponent(id)}`),
  };

  /** Containers on every host (kept current from heartbeats and Docker events) and actions on them. */
  readonly containers = {
    /** All hosts' containers, filtered; with each host's Docker status. */
    list: (query: ContainerListQuery = {}) => this.request<ContainerList>('GET', '/api/v1/containers', { query: query as Query }),
    /** One host's containers. */
    listOnHost: (agentId: string, query: Omit<ContainerListQuery, 'agentId'> = {}) =>
      this.request<Page<Container>>('GET', `${containerBase(agentId)}`, { query: query as Query }),
    /** Inspect: config, env (values only for operators), ports, mounts, networks. */
    get: (agentId: string, container: string) => this.request<ContainerDetail>('GET', containerPath(agentId, container)),
    start: (agentId: string, container: string) => this.request<Container>('POST', `${containerPath(agentId, container)}/start`),
    stop: (agentId: string, container: string, query: { timeoutSeconds?: number } = {}) =>
      this.request<Container>('POST', `${containerPath(agentId, container)}/stop`, { query }),
    restart: (agentId: string, container: string, query: { timeoutSeconds?: number } = {}) =>
      this.request<Container>('POST', `${containerPath(agentId, container)}/restart`, { query }),
    remove: (agentId: string, container: string, query: { force?: boolean; volumes?: boolean } = {}) =>
      this.request<Ok>('DELETE', containerPath(agentId, container), {
        query: { force: query.force === undefined ? undefined : String(query.force), volumes: query.volumes === undefined ? undefined : String(query.volumes) },
      }),
    /** A page of log lines, newest last; pass nextCursor as `before` for older lines. */
    logs: (agentId: string, container: string, query: ContainerLogsQuery = {}) =>
      this.request<ContainerLogs>('GET', `${containerPath(agentId, container)}/logs`, { query: query as Query }),
    stats: (agentId: string, container: string) => this.request<ContainerStats>('GET', `${containerPath(agentId, container)}/stats`),
    /** Runs a command to completion (no TTY) and returns its exit code and output. */
    exec: (agentId: string, container: string, input: ContainerExecInput) =>
      this.request<ContainerExecResult>('POST', `${containerPath(agentId, container)}/exec`, { body: input }),
  };

  /** Compose stacks: containers grouped by their com.docker.compose.project label. */
  readonly stacks = {
    list: (query: { agentId?: string } = {}) => this.request<{ items: Stack[] }>('GET', '/api/v1/stacks', { query }),
    listOnHost: (agentId: string) => this.request<{ items: Stack[] }>('GET', `/api/v1/agents/${encodeURIComponent(agentId)}/stacks`),
    start: (agentId: string, stack: string) => this.request<StackActionReply>('POST', `${stackPath(agentId, stack)}/start`),
    stop: (agentId: string, stack: string) => this.request<StackActionReply>('POST', `${stackPath(agentId, stack)}/stop`),
    restart: (agentId: string, stack: string) => this.request<StackActionReply>('POST', `${stackPath(agentId, stack)}/restart`),
  };

  /** A host's Docker Engine: whether it answers, and its images, volumes and networks. */
  readonly docker = {
    engine: (agentId: string) => this.request<DockerEngine>('GET', `/api/v1/agents/${encodeURIComponent(agentId)}/docker`),
    images: (agentId: string) => this.request<{ items: Image[] }>('GET', `/api/v1/agents/${encodeURIComponent(agentId)}/images`),
    volumes: (agentId: string) => this.request<{ items: Volume[] }>('GET', `/api/v1/agents/${encodeURIComponent(agentId)}/volumes`),
    networks: (agentId: string) => this.request<{ items: Network[] }>('GET', `/api/v1/agents/${encodeURIComponent(agentId)}/networks`),
  };

  /** Reverse proxy hosts (nginx on each agent's host): domains forwarded to an address or a container. */
  readonly proxies = {
    /** Every host's proxy hosts in domain order. */
    list: (query: { agentId?: string; limit?: number; cursor?: string } = {}) => this.request<Page<ProxyHost>>('GET', '/api/v1/proxies', { query }),
    listOnHost: (agentId: string, query: { limit?: number; cursor?: string } = {}) => this.request<Page<ProxyHost>>('GET', proxyBase(agentId), { query }),
    get: (agentId: string, proxyHostId: string) => this.request<ProxyHost>('GET', proxyPath(agentId, proxyHostId)),
    /** Validates, writes the file on the host, tests it with nginx -t and reloads; 422 proxy_config_invalid leaves the host as it was. */
    create: (agentId: string, body: ProxyHostInputBody) => this.request<ProxyHost>('POST', proxyBase(agentId), { body }),
    /** Replaces the whole proxy host (PUT). */
    update: (agentId: string, proxyHostId: string, body: ProxyHostInputBody) => this.request<ProxyHost>('PUT', proxyPath(agentId, proxyHostId), { body }),
    /** `force` deletes the rows even when the host cannot be reached; its agent removes the file when it reports it again. */
    remove: (agentId: string, proxyHostId: string, options: { force?: boolean } = {}) =>
      this.request<Ok>('DELETE', proxyPath(agentId, proxyHostId), { query: { force: options.force === undefined ? undefined : String(options.force) } }),
    /** Attaches a certificate: a new ACME one (202, issued in the background), a self-signed one, or an existing one. */
    requestSsl: (agentId: string, proxyHostId: string, body: z.input<typeof ProxySslRequestSchema>) =>
      this.request<ProxyHost>('POST', `${proxyPath(agentId, proxyHostId)}/ssl`, { body }),
    /** The nginx file as rendered now, and whether the host's copy drifted. */
    config: (agentId: string, proxyHostId: string) => this.request<ProxyConfig>('GET', `${proxyPath(agentId, proxyHostId)}/config`),
    /** nginx -t with the saved settings, or with `candidate` (nothing goes live either way). */
    test: (agentId: string, proxyHostId: string, candidate?: ProxyHostInputBody) =>
      this.request<ProxyTestResult>('POST', `${proxyPath(agentId, proxyHostId)}/test`, candidate === undefined ? {} : { body: candidate }),
    /** The host's reverse proxy as its agent last reported it. */
    server: (agentId: string) => this.request<ProxyServer>('GET', `/api/v1/agents/${encodeURIComponent(agentId)}/proxy`),
  };

  /** The org's TLS certificates: ACME-issued, uploaded or self-signed. */
  readonly certificates = {
    list: (query: { limit?: number; cursor?: string } = {}) => this.request<Page<Certificate>>('GET', '/api/v1/certificates', { query }),
    get: (id: string) => this.request<Certificate>('GET', `/api/v1/certificates/${encodeURIComponent(id)}`),
    upload: (body: CertificateUpload) => this.request<Certificate>('POST', '/api/v1/certificates', { body }),
    createSelfSigned: (body: z.input<typeof SelfSignedCertificateRequestSchema>) => this.request<Certificate>('POST', '/api/v1/certificates/self-signed', { body }),
    /** 409 while a proxy host uses it. */
    remove: (id: string) => this.request<Ok>('DELETE', `/api/v1/certificates/${encodeURIComponent(id)}`),
    /** Starts an ACME renewal now (202); hosts using it redeploy when it is issued. */
    renew: (id: string) => this.request<Certificate>('POST', `/api/v1/certificates/${encodeURIComponent(id)}/renew`),
    acmeSettings: () => this.request<AcmeSettings>('GET', '/api/v1/certificates/acme'),
  };

  /** /audit: the org's audit log, newest first. */
  readonly audit = {
    list: (query: Partial<z.input<typeof AuditQuerySchema>> = {}) =>
      this.request<Page<AuditEntry>>('GET', '/api/v1/audit', { query: query as Query }),
  };

  /** Liveness and readiness. */
  readonly health = {
    healthz: () => this.request<{ status: 'ok' }>('GET', '/healthz', { authenticated: false }),
    readyz: () => this.request<{ status: 'ready' }>('GET', '/readyz', { authenticated: false }),
  };
}
