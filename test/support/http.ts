import type { Express } from 'express';
import { pino } from 'pino';
import { listen } from '../../infra/http/server.ts';

export type TestResponse = {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, else the text (any: tests read fields freely). */
  // biome-ignore lint/suspicious/noExplicitAny: test responses are asserted field by field
  body: any;
  text: string;
};

export type RequestOptions = {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (malformed JSON, other content types, huge bodies). */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Adds `Authorization: Bearer <token>`. */
  token?: string;
};

export type TestServer = {
  url: string;
  port: number;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
};

/** Starts an app on a free port (port 0) and gives a small fetch-based client for it. */
export async function startTestServer(app: Express, onClose?: () => Promise<void>): Promise<TestServer> {
  const running = await listen(app, {
    port: 0,
    logger: pino({ level: 'silent' }),
    shutdownTimeoutMs: 2000,
    ...(onClose ? { onClose } : {}),
  });
  return {
    url: running.url,
    port: running.port,
    close: running.close,
    request: (method, path, options = {}) => request(`${running.url}${path}`, method, options),
  };
}

export async function request(
  url: string,
  method: string,
  options: RequestOptions = {},
): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Uint8Array | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.includes('json') ?? false;
  return {
    status: response.status,
    headers: response.headers,
    body: isJson && text ? JSON.parse(text) : text,
    text,
  };
}

/**
 * Asserts API.md's error body exactly: {error:{code,message,details,request_id,timestamp}} and
 * nothing else (no stack, no SQL), with request_id echoing X-Request-Id.
 */
export function assertErrorBody(response: TestResponse, status: number, code: string): void {
  const problems: string[] = [];
  if (response.status !== status) problems.push(`status ${response.status}, expected ${status}`);
  const body = response.body as { error?: Record<string, unknown> } | string;
  if (typeof body !== 'object' || body === null || !body.error)
    throw new Error(`not an error body: ${response.text}`);
  const keys = Object.keys(body).join(',');
  if (keys !== 'error') problems.push(`top-level keys ${keys}`);
  const error = body.error;
  if (Object.keys(error).sort().join(',') !== 'code,details,message,request_id,timestamp')
    problems.push(`error keys ${Object.keys(error).join(',')}`);
  if (error.code !== code) problems.push(`code ${String(error.code)}, expected ${code}`);
  if (typeof error.message !== 'string' || error.message === '') problems.push('message missing');
  if (!Array.isArray(error.details)) problems.push('details is not a list');
  if (error.request_id !== response.headers.get('x-request-id'))
    problems.push('request_id differs from X-Request-Id');
  if (typeof error.timestamp !== 'string' || Number.isNaN(Date.parse(error.timestamp)))
    problems.push('bad timestamp');
  if (/\s+at \S+ \(|\.[jt]s:\d+:\d+|"stack"|\bSELECT\b.+\bFROM\b|\bINSERT INTO\b/i.test(response.text))
    problems.push('leaks a stack trace or SQL');
  if (problems.length > 0) throw new Error(`${problems.join('; ')}\n${response.text}`);
}
