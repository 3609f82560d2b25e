import { useEffect, useState } from 'react';
import type { RunAgentCost } from '../../../../common/protocol/runRecord';
import { client } from '../../client/clientRef';
import { runKey } from '../../lib/agentTable';

export interface RunRef {
  host: string;
  run: string;
}

/**
 * The agents' costs in the records of runs whose agents the fleet does not list, by runKey. Asked only of hosts that
 * are away: runs.record then answers from the app's cache, mirrored while the agents were still there. (A connected
 * host reports no usage for agents it removed, so asking it would tell nothing new.) Each run is asked once per view.
 */
export function useRecordedCosts(runs: readonly RunRef[]): ReadonlyMap<string, readonly RunAgentCost[]> {
  const [recorded, setRecorded] = useState<ReadonlyMap<string, readonly RunAgentCost[]>>(new Map());
  const wanted = runs.map((ref) => runKey(ref.host, ref.run)).join('\n');
  useEffect(() => {
    let current = true;
    for (const ref of runs) {
      const key = runKey(ref.host, ref.run);
      if (recorded.has(key)) continue;
      client()
        .request('runs.record', ref)
        .then(
          ({ record }) => current && setRecorded((known) => new Map(known).set(key, record.agents)),
          // Not cached either: the total says those agents are not counted, which stays true.
          () => current && setRecorded((known) => new Map(known).set(key, [])),
        );
    }
    return () => {
      current = false;
    };
    // `wanted` is the identity of `runs`; `recorded` only grows, and is read to skip what is known.
  }, [wanted]);
  return recorded;
}
