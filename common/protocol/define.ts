import type { z } from 'zod';

/** Who sends it: the app (client) to agent-host, or agent-host to the app. */
export type Direction = 'client-to-host' | 'host-to-client';

export interface RequestDefinition<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  kind: 'request';
  direction: Direction;
  params: P;
  result: R;
  summary: string;
}

export interface NotificationDefinition<P extends z.ZodType = z.ZodType> {
  kind: 'notification';
  direction: Direction;
  params: P;
  summary: string;
}

export function request<P extends z.ZodType, R extends z.ZodType>(
  definition: Omit<RequestDefinition<P, R>, 'kind'>,
): RequestDefinition<P, R> {
  return { kind: 'request', ...definition };
}

export function notification<P extends z.ZodType>(
  definition: Omit<NotificationDefinition<P>, 'kind'>,
): NotificationDefinition<P> {
  return { kind: 'notification', ...definition };
}

export type AnyDefinition = RequestDefinition | NotificationDefinition;
export type Registry = Record<string, AnyDefinition>;

export type RequestNames<T extends Registry> = {
  [K in keyof T]: T[K] extends RequestDefinition ? K : never;
}[keyof T] &
  string;
export type NotificationNames<T extends Registry> = {
  [K in keyof T]: T[K] extends NotificationDefinition ? K : never;
}[keyof T] &
  string;

export type ParamsOf<T extends Registry, K extends keyof T> = z.input<T[K]['params']>;
export type ParsedParamsOf<T extends Registry, K extends keyof T> = z.output<T[K]['params']>;
export type ResultOf<T extends Registry, K extends keyof T> =
  T[K] extends RequestDefinition<z.ZodType, infer R> ? z.output<R> : never;
