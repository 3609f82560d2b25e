import { describeSource, type EffectivePolicy, type RuleSource, type SourcedString } from '../../common/protocol/policy';
import { compileCommandPattern, matchPattern, NO, YES, type CommandPattern, type Match } from './commandPattern';
import { analyzeCommandLine, type SimpleCommand } from './simpleCommands';
import { displayWord } from './shellWords';

/**
 * The decision on a shell command line (Claude Code's Bash tool, the builtin agent's run_command): every simple
 * command it may run (simpleCommands.ts) is matched against `commands.deny`, then `commands.ask`.
 * - Any certain deny match → `deny`; else any certain ask match → `ask`.
 * - Else a match that depends on what is only known at run time (a variable, a substitution's output, a glob,
 *   xargs' input) → `ask`, naming the rule it might break, deny rules included: a person decides, never the guess.
 * - Else, when some part of the line could not be understood (an unterminated quote, a shell reading commands from
 *   its input, `bash -c "$X"`, a line longer than MAX_LINE) and the policy has any command rule → `ask`.
 * - Else `allow`. With no command rules at all everything is allowed: there is nothing to enforce.
 * Known limits (the sandbox, not this check, holds those): scripts and interpreters (`python -c`, `./x.sh`,
 * `make`) are not looked into; aliases and functions defined elsewhere are not known; patterns are positional, so
 * `rm -rf /*` does not catch `rm -fr /` (write `rm *` to catch every rm).
 */

export const MAX_LINE = 64 * 1024;

export type CommandList = 'deny' | 'ask';

export interface CommandRule {
  pattern: string;
  source: RuleSource;
  list: CommandList;
}

export interface CommandVerdict {
  verdict: 'deny' | 'ask' | 'allow';
  /** The rule that decided (for an uncertain match: the rule the command might break). */
  rule?: CommandRule;
  /** The simple command that matched, as read: `git push origin`. */
  command?: string;
  /** For the agent, the approval item and the audit record. */
  reason: string;
}

interface CompiledRule extends CommandRule {
  compiled: CommandPattern;
}

const cache = new WeakMap<EffectivePolicy['commands'], CompiledRule[]>();

function compiledRules(policy: EffectivePolicy): CompiledRule[] {
  let rules = cache.get(policy.commands);
  if (!rules) {
    const compile = (list: CommandList) => (rule: SourcedString) => {
      const compiled = compileCommandPattern(rule.value);
      return typeof compiled === 'string' ? [] : [{ pattern: rule.value, source: rule.source, list, compiled }];
    };
    rules = [...policy.commands.deny.flatMap(compile('deny')), ...policy.commands.ask.flatMap(compile('ask'))];
    cache.set(policy.commands, rules);
  }
  return rules;
}

function display(command: SimpleCommand): string {
  return command.argv.map(displayWord).join(' ');
}

function publicRule({ pattern, source, list }: CompiledRule): CommandRule {
  return { pattern, source, list };
}

function describe(rule: CompiledRule): string {
  return `commands.${rule.list} ${JSON.stringify(rule.pattern)} (${describeSource(rule.source)})`;
}

export function matchCommand(policy: EffectivePolicy, commandLine: string): CommandVerdict {
  const rules = compiledRules(policy);
  if (rules.length === 0) return { verdict: 'allow', reason: 'the policy has no command rules' };
  if (commandLine.length > MAX_LINE) {
    return { verdict: 'ask', reason: `the command line is longer than ${MAX_LINE} characters, too long to check` };
  }
  const { commands, unclear } = analyzeCommandLine(commandLine);
  let found: { rule: CompiledRule; command: SimpleCommand; match: Match } | undefined;
  for (const rule of rules) {
    for (const command of commands) {
      const match = matchPattern(rule.compiled, command);
      if (match === YES && rule.list === 'deny') {
        return { verdict: 'deny', rule: publicRule(rule), command: display(command), reason: `${display(command)} is refused by ${describe(rule)}` };
      }
      if (match > (found?.match ?? NO)) found = { rule, command, match };
    }
  }
  if (found) {
    const { rule, command, match } = found;
    const reason =
      match === YES
        ? `${display(command)} needs a person's approval: ${describe(rule)}`
        : `${display(command)} might match ${describe(rule)} depending on what it expands to when it runs; a person decides`;
    return { verdict: 'ask', rule: publicRule(rule), command: display(command), reason };
  }
  if (unclear.length > 0) {
    return { verdict: 'ask', reason: `the command line cannot be checked completely (${[...new Set(unclear)].join('; ')}); a person decides` };
  }
  return { verdict: 'allow', reason: 'no command rule matches' };
}
