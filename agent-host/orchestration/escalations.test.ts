import { describe, expect, it } from 'vitest';
import { WireError } from '../../common/wire/errors';
import { chosenResolution, resolutionTexts } from './escalations';

describe('chosenResolution', () => {
  it('takes a resolution by its number or the start of its text', () => {
    expect(chosenResolution('merge-conflict', 'answer', '1').kind).toBe('rework');
    expect(chosenResolution('merge-conflict', 'answer', ' 3 ').kind).toBe('cancel');
    expect(chosenResolution('uncommitted', 'answer', 'merge only').kind).toBe('merge-committed');
    expect(chosenResolution('agent-ended', 'answer', 'Skip').kind).toBe('skip');
  });

  it('refuses anything else, listing the resolutions', () => {
    const texts = resolutionTexts('merge-conflict');
    for (const [decision, text] of [['answer', '4'], ['answer', '0'], ['answer', 'retry'], ['approve', '1'], ['answer', '  ']] as const) {
      const attempt = () => chosenResolution('merge-conflict', decision, text);
      expect(attempt).toThrow(WireError);
      expect(attempt).toThrow(`1. ${texts[0]}`);
    }
  });
});
