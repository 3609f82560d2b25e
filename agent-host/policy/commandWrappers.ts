import { classify, programName, SENTINELS, type Word } from './shellWords';

/**
 * Programs that run another command, and how to find it: `sudo -u x git push` runs `git push`, `bash -c 'git push'`
 * runs the line `git push`, `find . -exec rm {} \;` runs `rm`. A policy check must look at the inner command as well
 * as the outer one. Each handler returns what runs inside:
 * - `argv`: a command whose words are known (checked like any other, wrappers included);
 * - `line`: a command line to parse (shells' -c, eval, watch, su -c);
 * - `unclear`: why what runs cannot be known from the line (a shell reading its input, `bash -c "$X"`).
 * Options are skipped as each program defines them; an option not listed as taking a value is taken as a flag.
 * `git` is here too: its global options (`git -C dir push`) are skipped so `git push *` still sees the push.
 */

export interface Inner {
  argv?: Word[];
  line?: string;
  unclear?: string;
  /** More unknown arguments are appended (xargs). */
  openEnded?: boolean;
}

interface OptionSpec {
  /** Short options that take a value (`-u root` or `-uroot`). */
  short?: string;
  /** Long options that take a value (`--user root`; `--user=root` always works). */
  long?: string[];
  /** Positional words before the command (timeout's duration). */
  positionals?: number;
  /** `+o` options as well as `-o` (shells). */
  plus?: boolean;
}

interface Option {
  name: string;
  value?: Word;
}

function literal(text: string): Word {
  return { text, kind: 'literal' };
}

/** Skips a program's options: where its operands start, and the options seen. */
export function skipOptions(argv: readonly Word[], spec: OptionSpec): { index: number; options: Option[] } {
  const options: Option[] = [];
  let i = 1;
  while (i < argv.length) {
    const { text, kind } = argv[i]!;
    if (kind !== 'literal') break;
    if (text === '--') {
      i += 1;
      break;
    }
    if (text.startsWith('--') && text.length > 2) {
      const eq = text.indexOf('=');
      const name = eq < 0 ? text : text.slice(0, eq);
      if (eq >= 0) options.push({ name, value: literal(text.slice(eq + 1)) });
      else if (spec.long?.includes(name.slice(2))) options.push({ name, ...(argv[i + 1] ? { value: argv[i + 1] } : {}) });
      else options.push({ name });
      i += eq < 0 && spec.long?.includes(name.slice(2)) ? 2 : 1;
      continue;
    }
    if (text.length < 2 || !(text.startsWith('-') || (spec.plus && text.startsWith('+')))) break;
    let consumed = 1;
    for (let k = 1; k < text.length; k += 1) {
      const name = `-${text[k]!}`;
      if (!spec.short?.includes(text[k]!)) {
        options.push({ name });
        continue;
      }
      const rest = text.slice(k + 1);
      if (rest !== '') options.push({ name, value: literal(rest) });
      else {
        options.push({ name, ...(argv[i + 1] ? { value: argv[i + 1] } : {}) });
        consumed = 2;
      }
      break;
    }
    i += consumed;
  }
  return { index: Math.min(i + (spec.positionals ?? 0), argv.length), options };
}

const has = (options: Option[], ...names: string[]) => options.some((option) => names.includes(option.name));

function runs(spec: OptionSpec) {
  return (argv: readonly Word[]): Inner[] => {
    const { index } = skipOptions(argv, spec);
    return index < argv.length ? [{ argv: argv.slice(index) }] : [];
  };
}

/** A command line built from words, as eval and watch build it; a line with unknown parts is unclear. */
function lineOf(words: readonly Word[], who: string): Inner[] {
  if (words.length === 0) return [];
  const line = words.map((word) => word.text).join(' ');
  const unclear = [...SENTINELS].some((sentinel) => line.includes(sentinel));
  return [{ line }, ...(unclear ? [{ unclear: `${who} runs a command line that is only known when it runs` }] : [])];
}

function shell(argv: readonly Word[]): Inner[] {
  const name = programName(argv[0]!.text);
  const { index, options } = skipOptions(argv, { short: 'oO', long: ['rcfile', 'init-file'], plus: true });
  const command = options.find((option) => option.name === '--command' && option.value);
  if (command?.value) return lineOf([command.value], `${name} --command`);
  if (has(options, '-c')) return lineOf(argv.slice(index, index + 1), `${name} -c`);
  if (has(options, '-s') || index >= argv.length) return [{ unclear: `${name} runs the commands it reads from its input` }];
  return [];
}

function env(argv: readonly Word[]): Inner[] {
  const { index, options } = skipOptions(argv, { short: 'uCS', long: ['unset', 'chdir', 'split-string'] });
  const split = options.find((option) => option.name === '-S' || option.name === '--split-string');
  if (split?.value) return lineOf([split.value, ...argv.slice(index)], 'env -S');
  return index < argv.length ? [{ argv: argv.slice(index) }] : [];
}

/** sudo runs its operands as a command, or with -s / -i as a line for the user's shell. */
function sudo(argv: readonly Word[]): Inner[] {
  const { index, options } = skipOptions(argv, {
    short: 'ugCDhprtUTR',
    long: ['user', 'group', 'close-from', 'chdir', 'host', 'prompt', 'role', 'type', 'other-user', 'command-timeout', 'chroot'],
  });
  if (has(options, '-s', '-i', '--shell', '--login')) return lineOf(argv.slice(index), 'sudo -s');
  return index < argv.length ? [{ argv: argv.slice(index) }] : [];
}

/** script (util-linux) runs -c COMMAND through a shell. */
function script(argv: readonly Word[]): Inner[] {
  const { options } = skipOptions(argv, {
    short: 'cEIOBmoT',
    long: ['command', 'echo', 'log-in', 'log-out', 'log-io', 'log-timing', 'logging-format', 'output-limit'],
  });
  const command = options.find((option) => (option.name === '-c' || option.name === '--command') && option.value);
  return command?.value ? lineOf([command.value], 'script -c') : [];
}

function command(argv: readonly Word[]): Inner[] {
  const { index, options } = skipOptions(argv, {});
  if (has(options, '-v', '-V')) return [];
  return index < argv.length ? [{ argv: argv.slice(index) }] : [];
}

function xargs(argv: readonly Word[]): Inner[] {
  const { index, options } = skipOptions(argv, {
    short: 'adEILnPs',
    long: ['arg-file', 'delimiter', 'eof', 'replace', 'max-lines', 'max-args', 'max-procs', 'max-chars', 'process-slot-var'],
  });
  const replace = options.find((option) => ['-I', '-i', '--replace'].includes(option.name));
  const token = replace ? (replace.value?.text ?? '{}') : undefined;
  const inner = index < argv.length ? argv.slice(index) : [literal('echo')];
  const marked = inner.map((word) => (token && word.text.includes(token) ? { text: word.text, kind: 'unknown' as const } : word));
  return [{ argv: marked, openEnded: token === undefined }];
}

function find(argv: readonly Word[]): Inner[] {
  const inners: Inner[] = [];
  for (let i = 1; i < argv.length; i += 1) {
    if (!['-exec', '-execdir', '-ok', '-okdir'].includes(argv[i]!.text)) continue;
    const end = argv.findIndex((word, k) => k > i && (word.text === ';' || word.text === '+'));
    const words = argv.slice(i + 1, end < 0 ? argv.length : end);
    if (words.length > 0) {
      inners.push({ argv: words.map((word) => (word.text.includes('{}') ? { text: word.text, kind: 'unknown' as const } : word)) });
    }
    if (end < 0) break;
    i = end;
  }
  return inners;
}

function su(argv: readonly Word[]): Inner[] {
  for (let i = 1; i < argv.length; i += 1) {
    const { text } = argv[i]!;
    if ((text === '-c' || text === '--command') && argv[i + 1]) return lineOf([argv[i + 1]!], 'su -c');
    if (text.startsWith('--command=')) return lineOf([classify(text.slice('--command='.length))], 'su -c');
  }
  return [];
}

function git(argv: readonly Word[]): Inner[] {
  const { index } = skipOptions(argv, {
    short: 'Cc',
    long: ['git-dir', 'work-tree', 'namespace', 'super-prefix', 'config-env', 'attr-source'],
  });
  return index > 1 && index < argv.length ? [{ argv: [argv[0]!, ...argv.slice(index)] }] : [];
}

const SHELLS = ['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'fish', 'rbash'];

const HANDLERS = new Map<string, (argv: readonly Word[]) => Inner[]>([
  ...SHELLS.map((name) => [name, shell] as const),
  ['sudo', sudo],
  ['script', script],
  ['chroot', runs({ long: ['userspec', 'groups'], positionals: 1 })],
  ['doas', runs({ short: 'uC' })],
  ['nohup', runs({})],
  ['setsid', runs({})],
  ['builtin', runs({})],
  ['busybox', runs({})],
  ['exec', runs({ short: 'a' })],
  ['nice', runs({ short: 'n', long: ['adjustment'] })],
  ['ionice', runs({ short: 'cnpPu', long: ['class', 'classdata', 'pid', 'pgid', 'uid'] })],
  ['stdbuf', runs({ short: 'ioe', long: ['input', 'output', 'error'] })],
  ['timeout', runs({ short: 'sk', long: ['signal', 'kill-after'], positionals: 1 })],
  ['time', runs({ short: 'fo', long: ['format', 'output'] })],
  ['watch', (argv) => lineOf(argv.slice(skipOptions(argv, { short: 'nq', long: ['interval', 'equexit'] }).index), 'watch')],
  ['eval', (argv) => lineOf(argv.slice(1), 'eval')],
  ['env', env],
  ['command', command],
  ['xargs', xargs],
  ['find', find],
  ['su', su],
  ['git', git],
]);

/** What a command runs inside it, when its program is one of the wrappers above. */
export function innerCommands(argv: readonly Word[]): Inner[] {
  const program = argv[0];
  if (!program || program.kind !== 'literal') return [];
  return HANDLERS.get(programName(program.text))?.(argv) ?? [];
}
