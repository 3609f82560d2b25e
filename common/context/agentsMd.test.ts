import { describe, expect, it } from 'vitest';
import { BLOCK_BEGIN, BLOCK_END, MANAGED_BLOCK, withManagedBlock } from './agentsMd';

describe('withManagedBlock', () => {
  it('creates the file with only the block when there is none', () => {
    expect(withManagedBlock(null)).toBe(`${MANAGED_BLOCK}\n`);
    expect(withManagedBlock('  \n')).toBe(`${MANAGED_BLOCK}\n`);
  });

  it("appends after the file's own text, leaving it byte for byte", () => {
    const own = '# Agents\n\nRun `make test` before committing.\r\nTabs\tstay.';
    const result = withManagedBlock(own);
    expect(result.startsWith(`${own}\n\n`)).toBe(true);
    expect(result.endsWith(`${MANAGED_BLOCK}\n`)).toBe(true);
  });

  it('replaces its own block in place and is idempotent', () => {
    const before = '# Agents\n\nIntro.\n\n';
    const after = '\n\n## Style\n\nUse tabs.\n';
    const stale = `${before}<!-- flightdeck:begin an older marker text -->\nold text a person edited\n${BLOCK_END}${after}`;
    const once = withManagedBlock(stale);
    expect(once).toBe(`${before}${MANAGED_BLOCK}${after}`);
    expect(withManagedBlock(once)).toBe(once);
  });

  it('appends rather than guessing when a begin marker has no end marker', () => {
    const broken = `# Agents\n${BLOCK_BEGIN}\nhalf-edited\n`;
    const result = withManagedBlock(broken);
    expect(result.startsWith(broken)).toBe(true);
    expect(result.endsWith(`${MANAGED_BLOCK}\n`)).toBe(true);
    expect(withManagedBlock(result)).toBe(result);
  });
});
