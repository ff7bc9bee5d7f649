import createClient, { type Client } from 'openapi-fetch';
import { defaultRouteModules } from '../../command-api/app.ts';
import { routeSpecsOf } from '../../infra/openapi/route-specs.ts';
import { queryRouteModules } from '../../query-api/app.ts';
import type { paths as CommandPaths } from './command-api.d.ts';
import type { paths as QueryPaths } from './query-api.d.ts';
import { responseCheck, sentText } from './response-check.ts';

export type CommandClient = Client<CommandPaths>;
export type QueryClient = Client<QueryPaths>;

const commandCheck = responseCheck(routeSpecsOf(defaultRouteModules));
const queryCheck = responseCheck(routeSpecsOf(queryRouteModules));

const authorised = (token: string | undefined) => (token ? { Authorization: `Bearer ${token}` } : {});

/**
 * The command API's client, typed by the types generated from docs/openapi/command-api.json, every
 * answer checked against its route's declared schema (response-check.ts). `token` signs each call in.
 */
export function commandClient(baseUrl: string, token?: string): CommandClient {
  const client = createClient<CommandPaths>({ baseUrl, headers: authorised(token) });
  client.use(commandCheck);
  return client;
}

/** The query API's client, likewise. */
export function queryClient(baseUrl: string, token?: string): QueryClient {
  const client = createClient<QueryPaths>({ baseUrl, headers: authorised(token) });
  client.use(queryCheck);
  return client;
}

/** What a test reads of a call: status, headers and the body (the data, or the error body). */
export type Answer<T> = { status: number; headers: Headers; body: T; text: string };

/** The success body's fields and the error body's, so a test reads either without narrowing. */
type Either<D, E> = [D] extends [never] ? E : [D] extends [undefined] ? E : D & E;

/** A call's outcome as the tests read it, whatever its status. */
export async function answer<D, E>(
  call: Promise<{ data?: D; error?: E; response: Response }>,
): Promise<Answer<Either<D, E>>> {
  const { data, error, response } = await call;
  const body = (data ?? error) as Either<D, E>;
  const text = sentText(response) ?? '';
  return { status: response.status, headers: response.headers, body, text };
}

/** A body the API must refuse (wrong types, missing fields): typed as anything on purpose. */
export const invalid = (body: unknown) => body as never;
