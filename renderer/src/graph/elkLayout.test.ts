import ELK from 'elkjs';
import { describe, expect, it } from 'vitest';
import { elkLayout } from './elkLayout';
import { simpleLayout, STEP_WIDTH, type GraphPhase } from './planGraph';

const step = (id: string, dependsOn: string[] = []) => ({ id, title: id, role: 'implementer', dependsOn, checkpoint: false, state: null, agent: null });
const PHASES: GraphPhase[] = [
  { id: 'build', title: 'Build', estimateHours: 2, steps: [step('flag'), step('docs'), step('wire', ['flag'])] },
  // No step here depends on the first phase: the phases still read left to right.
  { id: 'verify', title: 'Verify', estimateHours: 1, steps: [step('tests')] },
];

describe('plan graph layout', () => {
  it('ELK: phases left to right, a dependency to the right of what it depends on, steps inside their phase', async () => {
    const layout = await elkLayout(new ELK(), PHASES);
    const build = layout.phases.get('build')!;
    const verify = layout.phases.get('verify')!;
    expect(verify.x).toBeGreaterThanOrEqual(build.x + build.width);
    expect(layout.steps.get('wire')!.x).toBeGreaterThanOrEqual(layout.steps.get('flag')!.x + STEP_WIDTH);
    for (const id of ['flag', 'docs', 'wire']) {
      const { x, y } = layout.steps.get(id)!;
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x + STEP_WIDTH).toBeLessThanOrEqual(build.width);
      expect(y).toBeGreaterThan(0);
    }
  });

  it('the fallback layout keeps the same reading order', () => {
    const layout = simpleLayout(PHASES);
    expect(layout.phases.get('verify')!.x).toBeGreaterThan(layout.phases.get('build')!.x + layout.phases.get('build')!.width);
    expect(layout.steps.get('wire')!.x).toBeGreaterThan(layout.steps.get('flag')!.x);
    expect(layout.steps.get('docs')!.y).toBeGreaterThan(layout.steps.get('flag')!.y);
  });
});
