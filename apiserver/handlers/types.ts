import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GenericStore } from '../registry/generic-store.ts';
import type { ApiRegistry } from '../registry/index.ts';
import type { RequestInfo } from '../request/request-info.ts';
import type { Query } from './params.ts';

export interface ApiRequest {
  req: FastifyRequest;
  reply: FastifyReply;
  info: RequestInfo;
  store: GenericStore;
  registry: ApiRegistry;
  query: Query;
}

export type ApiHandler = (r: ApiRequest) => Promise<void>;
