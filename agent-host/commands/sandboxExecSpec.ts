import { z } from 'zod';

/** What the host hands the sandbox's first process: how the agent's network namespace reaches the egress proxy. */
export const SandboxExecSpec = z.object({
  proxySocket: z.string().min(1),
  httpProxyPort: z.number().int().min(1).max(65535),
  tunnels: z.array(z.object({ listenHost: z.string(), listenPort: z.number().int().min(1).max(65535), host: z.string(), port: z.number().int().min(1).max(65535) })),
});
export type SandboxExecSpec = z.infer<typeof SandboxExecSpec>;

export const encodeSandboxExecSpec = (spec: SandboxExecSpec): string => Buffer.from(JSON.stringify(spec)).toString('base64url');
