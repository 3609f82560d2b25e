import { describe, expect, it } from 'vitest';
import { compileCommandPattern, matchPattern, MAYBE, NO, YES } from './commandPattern';
import { SUBST, scanShell, UNKNOWN } from './shellScan';
import { analyzeCommandLine } from './simpleCommands';

const argvs = (line: string) => analyzeCommandLine(line).commands.map((command) => command.argv.map((word) => `${word.kind[0]}:${word.text}`).join(' '));

describe('scanShell', () => {
  it('pulls out substitutions, turns newlines into ; and drops comments, continuations and fd numbers', () => {
    const scanned = scanShell('a "$(b c)" `d`\ne \\\n f # g\nh 2>&1');
    expect(scanned.text).toBe(`a "${SUBST}" ${SUBST};e  f ;h >&1`);
    expect(scanned.subs.map((sub) => sub.text)).toEqual(['b c', 'd']);
    expect(scanned.problems).toEqual([]);
  });

  it('skips here-document bodies, scanning only an unquoted one for substitutions', () => {
    const scanned = scanShell("cat <<EOF; cat <<-'RAW'\nit's $(x)\nEOF\n\t$(y)\n\tRAW\nz");
    expect(scanned.text).toBe("cat <<EOF; cat <<-'RAW';z");
    expect(scanned.subs.map((sub) => sub.text)).toEqual(['x']);
  });

  it('reports what it cannot read', () => {
    expect(scanShell("a 'b").problems).toEqual(['a single quote is not closed']);
    expect(scanShell('a $(b').problems).toEqual([]);
    expect(scanShell('a $(b').subs[0]!.problems).toEqual(['a $( … ) is not closed']);
  });
});

describe('analyzeCommandLine', () => {
  it('lists each simple command, wrapped ones both as written and unwrapped', () => {
    expect(argvs('FOO=1 sudo -u root git -C /r push && ls -la | wc -l')).toEqual([
      'l:sudo l:-u l:root l:git l:-C l:/r l:push',
      'l:git l:-C l:/r l:push',
      'l:git l:push',
      'l:ls l:-la',
      'l:wc l:-l',
    ]);
  });

  it('marks what is only known when the command runs', () => {
    expect(argvs('echo $HOME *.ts {a,b} x[12] "$(date)"')).toEqual([`l:echo u:${UNKNOWN} g:*.ts u:{a,b} g:x[12] u:${SUBST}`, 'l:date']);
    expect(analyzeCommandLine('ls | xargs -n1 rm').commands.at(-1)).toMatchObject({ openEnded: true });
  });

  it('skips the words of for/case headers and keywords before a command', () => {
    expect(argvs('for f in *.md; do wc -l "$f"; done')).toEqual([`l:wc l:-l u:${UNKNOWN}`]);
    expect(argvs('case $x in a) rm x;; esac')).toEqual(['l:rm l:x']);
  });
});

describe('command patterns', () => {
  const command = (line: string) => analyzeCommandLine(line).commands[0]!;
  const match = (pattern: string, line: string) => {
    const compiled = compileCommandPattern(pattern);
    if (typeof compiled === 'string') throw new Error(compiled);
    return matchPattern(compiled, command(line));
  };

  it('compares the program by name and each word as a bash case pattern', () => {
    expect(match('git push *', '/opt/git/bin/git push -f')).toBe(YES);
    expect(match('/usr/bin/git push', 'git push')).toBe(YES);
    expect(match('git push', 'git push -f')).toBe(NO);
    expect(match('chmod 7?? *', 'chmod 777 x')).toBe(YES);
    expect(match('chmod [67]* *', 'chmod 577 x')).toBe(NO);
    expect(match("echo '*'", 'echo x')).toBe(NO);
    expect(match("echo '*'", "echo '*'")).toBe(YES);
  });

  it('gives maybe where an unknown word or a glob could go either way, and no where it cannot', () => {
    expect(match('git push *', 'git $X')).toBe(MAYBE);
    expect(match('git push *', 'git $A $B')).toBe(MAYBE);
    expect(match('git push origin main', 'git $ARGS')).toBe(MAYBE);
    expect(match('git push *', 'git pre$X')).toBe(NO);
    expect(match('git push', 'git push $EMPTY')).toBe(MAYBE);
    expect(match('rm -rf /*', 'rm *.log')).toBe(NO);
    expect(match('rm -rf /*', 'rm -rf /*')).toBe(YES);
    expect(match('git push *', '$DIR/git push')).toBe(YES);
    expect(match('git push *', '{/usr/bin/git,} push')).toBe(MAYBE);
  });

  it('refuses what is not a pattern', () => {
    expect(compileCommandPattern('')).toBe('is an empty command pattern');
    expect(compileCommandPattern('a && b')).toBe('is not a command pattern: contains the shell operator &&');
    expect(compileCommandPattern('ls # x')).toBe('is not a command pattern: contains a comment (#)');
    expect(compileCommandPattern('ls [z-a]')).toBe('has a [...] class that is not a valid range');
    expect(compileCommandPattern(Array(40).fill('a').join(' '))).toBe('has more than 32 words');
  });
});
