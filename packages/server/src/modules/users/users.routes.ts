import {
  IdParamsSchema,
  MemberAddSchema,
  MemberUpdateSchema,
  OkSchema,
  PasswordResetReplySchema,
  PasswordResetSchema,
  PaginationQuerySchema,
  pageSchema,
  UserCreatedSchema,
  UserCreateSchema,
  UserIdParamsSchema,
  UserSchema,
} from '@infrapilot/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf } from '../../platform/http/request-context.js';
import { replies } from '../../platform/http/route-schemas.js';
import type { UsersService } from './users.service.js';

/** /users (accounts in the current org) and /members (who belongs, with which role). */
export const usersRoutes: FastifyPluginAsyncZod<{ users: UsersService }> = async (app, { users }) => {
  const userTags = ['users'];
  const memberTags = ['members'];

  for (const [path, tags] of [['/users', userTags], ['/members', memberTags]] as const) {
    app.get(path, {
      config: { access: 'members:read' },
      schema: { tags, summary: 'People in the current organization, with their roles', querystring: PaginationQuerySchema, response: replies({ 200: pageSchema(UserSchema) }) },
      handler: async (request) => users.listUsers(actorOf(request), request.query),
    });
  }

  app.post('/users', {
    config: { access: 'users:manage', audit: { action: 'user.create', resourceType: 'user' } },
    schema: { tags: userTags, summary: 'Create a person and add them to the current organization', body: UserCreateSchema, response: replies({ 201: UserCreatedSchema }) },
    handler: async (request, response) => {
      const created = await users.createUser(actorOf(request), request.body);
      request.auditFacts.resourceId = created.user.id;
      return response.status(201).send(created);
    },
  });

  app.get('/users/:id', {
    config: { access: 'members:read' },
    schema: { tags: userTags, summary: 'One person of the current organization', params: IdParamsSchema, response: replies({ 200: UserSchema }) },
    handler: async (request) => users.getUser(actorOf(request), request.params.id),
  });

  app.post('/users/:id/disable', {
    config: { access: 'users:manage', audit: { action: 'user.disable', resourceType: 'user' } },
    schema: { tags: userTags, summary: 'Disable an account: it can no longer sign in or use its sessions', params: IdParamsSchema, response: replies({ 200: UserSchema }) },
    handler: async (request) => users.setDisabled(actorOf(request), request.params.id, true),
  });

  app.post('/users/:id/enable', {
    config: { access: 'users:manage', audit: { action: 'user.enable', resourceType: 'user' } },
    schema: { tags: userTags, summary: 'Enable a disabled account again', params: IdParamsSchema, response: replies({ 200: UserSchema }) },
    handler: async (request) => users.setDisabled(actorOf(request), request.params.id, false),
  });

  app.post('/users/:id/password', {
    config: { access: 'users:manage', audit: { action: 'user.password_reset', resourceType: 'user' } },
    schema: {
      tags: userTags,
      summary: "Set someone's password (generated when omitted) and sign them out everywhere",
      params: IdParamsSchema,
      body: PasswordResetSchema,
      response: replies({ 200: PasswordResetReplySchema }),
    },
    handler: async (request) => users.resetPassword(actorOf(request), request.params.id, request.body),
  });

  app.post('/members', {
    config: { access: 'users:manage', audit: { action: 'member.add', resourceType: 'user' } },
    schema: { tags: memberTags, summary: 'Add an existing person to the current organization', body: MemberAddSchema, response: replies({ 201: UserSchema }) },
    handler: async (request, response) => {
      const member = await users.addMemberByEmail(actorOf(request), request.body);
      request.auditFacts.resourceId = member.id;
      return response.status(201).send(member);
    },
  });

  app.patch('/members/:userId', {
    config: { access: 'users:manage', audit: { action: 'member.update', resourceType: 'user' } },
    schema: { tags: memberTags, summary: "Change a member's role", params: UserIdParamsSchema, body: MemberUpdateSchema, response: replies({ 200: UserSchema }) },
    handler: async (request) => users.changeRole(actorOf(request), request.params.userId, request.body.role),
  });

  app.delete('/members/:userId', {
    config: { access: 'users:manage', audit: { action: 'member.remove', resourceType: 'user' } },
    schema: { tags: memberTags, summary: 'Remove a member (never the last super_admin)', params: UserIdParamsSchema, response: replies({ 200: OkSchema }) },
    handler: async (request) => {
      await users.removeMember(actorOf(request), request.params.userId);
      return { ok: true as const };
    },
  });
};
