import { z } from 'zod';

/**
 * A person's name as the VM's admin binds it to an SSH key (`agent-host identity add NAME`): short, lower-case, safe
 * unquoted in an authorized_keys forced command, an audit actor (`person:NAME`) and a file line.
 */
export const IDENTITY_NAME_PATTERN = /^[a-z][a-z0-9._-]{0,31}$/;

// The schemas are marked pure so that the bridge-only bundle, which checks --as with the pattern alone, leaves zod out.
export const IdentityName = /* @__PURE__ */ z
  .string()
  .regex(IDENTITY_NAME_PATTERN, 'a name is a lower-case letter, then up to 31 of a-z 0-9 . _ -');
export type IdentityName = z.infer<typeof IdentityName>;

/** The bridge's first frame on a daemon connection: the name its SSH key is bound to, or null for an unbound bridge. */
export const BridgeIdentityParams = /* @__PURE__ */ z.object({ as: IdentityName.nullable() }).strict();
export type BridgeIdentityParams = z.infer<typeof BridgeIdentityParams>;
