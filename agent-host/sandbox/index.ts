/** Every agent process runs confined by bubblewrap: see sandbox.ts (the command line), probe.ts (can this host do it). */
export { probeSandbox, probeBwrap, type ProbeOptions, type SandboxProbe, type SandboxReady } from './probe';
export { sandboxCommand, type SandboxedCommand, type SandboxSpec } from './sandbox';
export type { MountRequest } from './mounts';
