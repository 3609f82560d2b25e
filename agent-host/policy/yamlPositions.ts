import { isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import type { PolicyPath } from './policyError';

/** A map key as the path segments name it (`1.0` as written is the key "1"). */
export function yamlKeyName(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/**
 * Where the key or item at a path starts in the text (the deepest that exists: a missing key points at its parent),
 * so a problem with a config file (policy, runbook) can name its line.
 */
export function yamlKeyOffset(root: YamlNode | null, path: PolicyPath): number | undefined {
  let node: unknown = root;
  let offset = root?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => yamlKeyName(item.key) === String(segment));
      if (!pair) break;
      offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
      node = node.items[segment];
      offset = (node as YamlNode).range?.[0] ?? offset;
    } else break;
  }
  return offset;
}
