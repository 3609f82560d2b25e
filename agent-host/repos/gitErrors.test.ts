import { describe, expect, it } from 'vitest';
import { WireErrorCode } from '../../common/wire/errors';
import { gitFailed, gitOutputTail, redactUrl } from './gitErrors';

describe('gitErrors', () => {
  it('masks the password in URLs, and only the password', () => {
    expect(redactUrl('https://bob:s3cret@git.example.com/team/app.git')).toBe('https://bob:***@git.example.com/team/app.git');
    expect(redactUrl("fatal: unable to access 'https://x:tok@h/r/': 403")).toBe("fatal: unable to access 'https://x:***@h/r/': 403");
    for (const plain of ['https://git.example.com/app.git', 'git@github.com:team/app.git', 'ssh://git@host:2222/app.git', '/srv/git/app']) {
      expect(redactUrl(plain)).toBe(plain);
    }
  });

  it("keeps the last lines git wrote, each progress line's final state only", () => {
    const output = [
      'remote: Counting objects: 10% (1/10)\rremote: Counting objects: 100% (10/10), done.',
      '',
      ...Array.from({ length: 8 }, (_, i) => `hint: line ${i}`),
      'fatal: the end  ',
    ].join('\n');
    expect(gitOutputTail(new Error(output))).toBe(['hint: line 3', 'hint: line 4', 'hint: line 5', 'hint: line 6', 'hint: line 7', 'fatal: the end'].join('\n'));
    expect(gitOutputTail(new Error('a\rb\nc'))).toBe('b\nc');
    expect(gitOutputTail(new Error('x'.repeat(5000)))).toHaveLength(1501);
  });

  it('says what was being done, then what git said, with the data to act on', () => {
    const error = gitFailed('could not fetch https://u:p@h/r', new Error("fatal: repository 'https://u:p@h/r/' not found\n"), { repo: 'r' });
    expect(error.code).toBe(WireErrorCode.GitFailed);
    expect(error.message).toBe("could not fetch https://u:***@h/r: fatal: repository 'https://u:***@h/r/' not found");
    expect(error.data).toEqual({ repo: 'r', git: "fatal: repository 'https://u:***@h/r/' not found" });
    expect(gitFailed('could not x', new Error(''), {}).message).toBe('could not x: git failed and said nothing');
  });
});
