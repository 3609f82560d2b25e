import type { ChainRecord } from '../../common/audit/chain';
import type { RunRecord } from '../../common/protocol/runRecord';

/** One host's audit as the app mirrors it: the whole chain from seq 1, already checked to continue what it held. */
export interface ContextHost {
  /** The name the fleet knows the host by; its audit directory on the branch is named after it. */
  name: string;
  hostId: string;
  records(): Iterable<ChainRecord>;
}

/**
 * What a context sync writes from: the app's cache in the desktop and the CLI, plain objects in tests. Kept this small
 * so the sync never depends on how the cache stores things.
 */
export interface ContextSource {
  hosts(): ContextHost[];
  /** The runs of every host. */
  runs(): RunRecord[];
}
