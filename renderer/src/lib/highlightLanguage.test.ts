import { parseDiff } from 'react-diff-view';
import { describe, expect, it } from 'vitest';
import { refractor } from './highlightGrammars';
import { HIGHLIGHT_LANGUAGES, languageOf } from './highlightLanguage';
import { diffTokens, highlightFile } from './highlightLines';

describe('languageOf', () => {
  it('maps the common source, data and docs files by extension', () => {
    const paths = ['src/app.ts', 'ui/View.tsx', 'bin/run.mjs', 'Button.jsx', 'package.json', 'README.md', 'tool.py', 'main.go', 'lib.rs', 'Main.java', 'deploy.sh', '.ci/config.yml', 'theme.css', 'index.html'];
    expect(paths.map(languageOf)).toEqual(['typescript', 'tsx', 'javascript', 'jsx', 'json', 'markdown', 'python', 'go', 'rust', 'java', 'bash', 'yaml', 'css', 'markup']);
  });

  it('knows files by their whole name, in any case', () => {
    expect(['Dockerfile', 'build/Dockerfile.dev', 'Makefile', 'CMakeLists.txt', 'home/.bashrc', 'SRC/MAIN.GO'].map(languageOf)).toEqual(['docker', 'docker', 'makefile', 'cmake', 'bash', 'go']);
  });

  it('leaves unknown, extensionless and dot-only names plain', () => {
    expect(['LICENSE', 'notes.txt', 'data.bin', 'archive.tar.zst', 'trailing.', '.gitignore', 'x.constructor', 'x.__proto__', ''].map(languageOf)).toEqual(Array(9).fill(null));
  });
});

describe('the highlighter', () => {
  it('has a registered grammar for every language the mapping names', () => {
    expect(HIGHLIGHT_LANGUAGES.filter((language) => !refractor.registered(language))).toEqual([]);
  });

  const [file] = parseDiff(
    [
      'diff --git a/a.ts b/a.ts',
      '--- a/a.ts',
      '+++ b/a.ts',
      '@@ -10,4 +10,4 @@',
      ' const a = 1;',
      '-let b = "old";',
      '+let b = `new',
      '+  line`; // changed',
      ' /* a comment',
      '@@ -40,1 +40,1 @@',
      '-x();',
      '+y();',
      '',
    ].join('\n'),
  );

  it('gives each shown line of each side its Prism runs, by line number', () => {
    const runs = highlightFile(file!.hunks, 'typescript');
    expect(runs.old.map(([line]) => line)).toEqual([10, 11, 12, 40]);
    expect(runs.new.map(([line]) => line)).toEqual([10, 11, 12, 13, 40]);
    expect(runs.old[1]).toEqual([11, [['token keyword', 'let'], ['', ' b '], ['token operator', '='], ['', ' '], ['token string', '"old"'], ['token punctuation', ';']]]);
    // A template string spanning two lines is one string on both.
    expect(runs.new[1]![1].at(-1)).toEqual(['token template-string token string', 'new']);
    expect(runs.new[2]![1]).toEqual(expect.arrayContaining([['token template-string token string', '  line'], ['token comment', '// changed']]));
    expect(runs.new[4]).toEqual([40, [['token function', 'y'], ['token punctuation', '();']]]);
  });

  it('renders as react-diff-view tokens: spans with the classes, plain text as text, unknown lines left out', () => {
    const tokens = diffTokens(highlightFile(file!.hunks, 'typescript'));
    expect(tokens.old).toHaveLength(40);
    expect(tokens.old[0]).toBeUndefined();
    expect(tokens.new[39]).toEqual([
      { type: 'token', className: 'token function', value: 'y' },
      { type: 'token', className: 'token punctuation', value: '();' },
    ]);
    expect(tokens.old[10]![1]).toEqual({ type: 'text', value: ' b ' });
  });

  it('keeps every character of every line', () => {
    for (const [side, lines] of [
      ['old', file!.hunks.flatMap((hunk) => hunk.changes.filter((change) => change.type !== 'insert').map((change) => change.content))],
      ['new', file!.hunks.flatMap((hunk) => hunk.changes.filter((change) => change.type !== 'delete').map((change) => change.content))],
    ] as const) {
      expect(highlightFile(file!.hunks, 'typescript')[side].map(([, runs]) => runs.map(([, text]) => text).join(''))).toEqual(lines);
    }
  });
});
