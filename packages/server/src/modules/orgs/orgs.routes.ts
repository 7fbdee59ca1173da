import { MyOrgSchema, OrgCreateSchema, OrgSchema, OrgUpdateSchema, pageSchema } from '@infrapilot/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf, identityOf } from '../../platform/http/request-context.js';
import { replies } from '../../platform/http/route-schemas.js';
import type { OrgsService } from './orgs.service.js';

/** /orgs: the caller's organizations and the current one's settings. */
export const orgsRoutes: FastifyPluginAsyncZod<{ orgs: OrgsService }> = async (app, { orgs }) => {
  const tags = ['orgs'];

  app.get('/orgs', {
    config: { access: 'authenticated' },
    schema: { tags, summary: 'The organizations you belong to, with your role in each', response: replies({ 200: pageSchema(MyOrgSchema) }) },
    handler: async (request) => ({ items: await orgs.listOrgsOf(identityOf(request)), nextCursor: null }),
  });

  app.post('/orgs', {
    config: { access: 'authenticated', audit: { action: 'org.create', resourceType: 'org' } },
    schema: { tags, summary: 'Create an organization; you become its super_admin', body: OrgCreateSchema, response: replies({ 201: OrgSchema }) },
    handler: async (request, response) => {
      const org = await orgs.createOrgAs(identityOf(request), request.body);
      Object.assign(request.auditFacts, { resourceId: org.id, orgId: org.id });
      return response.status(201).send(org);
    },
  });

  app.get('/orgs/current', {
    config: { access: 'org:read' },
    schema: { tags, summary: 'The organization this request acts in (X-InfraPilot-Org)', response: replies({ 200: OrgSchema }) },
    handler: async (request) => orgs.getOrg(actorOf(request)),
  });

  app.patch('/orgs/current', {
    config: { access: 'org:manage', audit: { action: 'org.update', resourceType: 'org' } },
    schema: { tags, summary: 'Rename the current organization', body: OrgUpdateSchema, response: replies({ 200: OrgSchema }) },
    handler: async (request) => {
      const actor = actorOf(request);
      request.auditFacts.resourceId = actor.org.id;
      return orgs.updateOrg(actor, request.body);
    },
  });
};
