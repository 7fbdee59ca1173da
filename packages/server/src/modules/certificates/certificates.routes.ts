import {
  AcmeSettingsSchema,
  CertificateListQuerySchema,
  CertificateSchema,
  CertificateUploadSchema,
  IdParamsSchema,
  OkSchema,
  SelfSignedCertificateRequestSchema,
  pageSchema,
} from '@infrapilot/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf } from '../../platform/http/request-context.js';
import { replies } from '../../platform/http/route-schemas.js';
import type { CertificatesService } from './certificates.service.js';

/**
 * The org's TLS certificates. Reading needs proxies:read, changing proxies:manage; every
 * change is audited (an upload's private key is redacted from the row: its field name
 * says it is private). No reply carries a private key.
 */
export const certificatesRoutes: FastifyPluginAsyncZod<{ certificates: CertificatesService }> = async (app, { certificates }) => {
  const tags = ['certificates'];

  app.get('/certificates', {
    config: { access: 'proxies:read' },
    schema: {
      tags,
      summary: "The org's certificates in name order, with the proxy hosts using each",
      querystring: CertificateListQuerySchema,
      response: replies({ 200: pageSchema(CertificateSchema) }),
    },
    handler: async (request) => certificates.list(actorOf(request), request.query),
  });

  app.post('/certificates', {
    config: { access: 'proxies:manage', audit: { action: 'certificate.upload', resourceType: 'certificate' } },
    schema: {
      tags,
      summary: 'Upload a certificate (leaf first, then its chain) and its private key, in PEM; the key must match the leaf and the leaf must not have expired',
      body: CertificateUploadSchema,
      response: replies({ 201: CertificateSchema }),
    },
    handler: async (request, reply) => {
      const certificate = await certificates.upload(actorOf(request), request.body);
      request.auditFacts.resourceId = certificate.id;
      request.auditFacts.details = { domains: certificate.domains };
      return reply.status(201).send(certificate);
    },
  });

  app.post('/certificates/self-signed', {
    config: { access: 'proxies:manage', audit: { action: 'certificate.create_self_signed', resourceType: 'certificate' } },
    schema: {
      tags,
      summary: 'Create a self-signed certificate (ECDSA P-256) for these domains',
      body: SelfSignedCertificateRequestSchema,
      response: replies({ 201: CertificateSchema }),
    },
    handler: async (request, reply) => {
      const certificate = await certificates.createSelfSigned(actorOf(request), request.body);
      request.auditFacts.resourceId = certificate.id;
      return reply.status(201).send(certificate);
    },
  });

  // Before /certificates/:id, which would otherwise take "acme" for an id (and answer 400).
  app.get('/certificates/acme', {
    config: { access: 'proxies:read' },
    schema: { tags, summary: 'The ACME CA certificates are issued from, and when they renew', response: replies({ 200: AcmeSettingsSchema }) },
    handler: async () => certificates.acmeSettings(),
  });

  app.get('/certificates/:id', {
    config: { access: 'proxies:read' },
    schema: { tags, summary: 'One certificate (never its private key)', params: IdParamsSchema, response: replies({ 200: CertificateSchema }) },
    handler: async (request) => certificates.get(actorOf(request), request.params.id),
  });

  app.delete('/certificates/:id', {
    config: { access: 'proxies:manage', audit: { action: 'certificate.delete', resourceType: 'certificate' } },
    schema: {
      tags,
      summary: 'Delete a certificate; 409 while a proxy host uses it (the message names them)',
      params: IdParamsSchema,
      response: replies({ 200: OkSchema }),
    },
    handler: async (request) => {
      await certificates.remove(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  });

  app.post('/certificates/:id/renew', {
    config: { access: 'proxies:manage', audit: { action: 'certificate.renew', resourceType: 'certificate' } },
    schema: {
      tags,
      summary: 'Start an ACME order for this certificate now (202); the proxy hosts using it redeploy once it is issued. 409 for an uploaded or self-signed one',
      params: IdParamsSchema,
      response: replies({ 202: CertificateSchema }),
    },
    handler: async (request, reply) => reply.status(202).send(await certificates.renew(actorOf(request), request.params.id)),
  });
};
