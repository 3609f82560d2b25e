import { z } from 'zod';
import { describeZodIssues } from '../../common/zodIssues';

const TextBlock = z.object({ type: z.literal('text'), text: z.string().min(1) }).strict();
const ToolUseBlock = z
  .object({ type: z.literal('tool_use'), id: z.string().min(1), name: z.string().min(1), input: z.record(z.string(), z.unknown()) })
  .strict();
const ToolResultBlock = z
  .object({ type: z.literal('tool_result'), tool_use_id: z.string().min(1), content: z.string(), is_error: z.boolean().optional() })
  .strict();
const UserMessage = z.object({ role: z.literal('user'), content: z.array(z.union([ToolResultBlock, TextBlock])).min(1) }).strict();
const AssistantMessage = z.object({ role: z.literal('assistant'), content: z.array(z.union([TextBlock, ToolUseBlock])).min(1) }).strict();
const Message = z.discriminatedUnion('role', [UserMessage, AssistantMessage]);

export type TextBlock = z.infer<typeof TextBlock>;
export type ToolUseBlock = z.infer<typeof ToolUseBlock>;
export type ToolResultBlock = z.infer<typeof ToolResultBlock>;
export type UserMessage = z.infer<typeof UserMessage>;
export type AssistantMessage = z.infer<typeof AssistantMessage>;
export type Message = z.infer<typeof Message>;

/**
 * What conversation.save stores (the host keeps it opaque): the messages in the Messages API's own shape, so a
 * resume sends them back as they were. Always a valid request prefix, except that the last assistant message's
 * tool calls may lack results (the agent died while running them): `repairInterrupted` answers those.
 */
export const SavedConversation = z
  .object({ version: z.literal(1), messages: z.array(Message) })
  .strict()
  .superRefine(({ messages }, context) => {
    const problem = pairingProblem(messages);
    if (problem) context.addIssue({ code: 'custom', message: problem, path: ['messages'] });
  });
export type SavedConversation = z.infer<typeof SavedConversation>;

export class ConversationInvalid extends Error {
  override readonly name = 'ConversationInvalid';
}

/** Roles alternate from a user message; a user message answers exactly the previous assistant's calls, results first. */
function pairingProblem(messages: readonly Message[]): string | undefined {
  for (const [index, message] of messages.entries()) {
    const role = index % 2 === 0 ? 'user' : 'assistant';
    if (message.role !== role) return `message ${index} should be a ${role} message`;
    if (message.role !== 'user') continue;
    const previous = messages[index - 1];
    const calls = previous?.role === 'assistant' ? toolUses(previous).map((call) => call.id) : [];
    const results = message.content.filter((block) => block.type === 'tool_result').map((block) => block.tool_use_id);
    const firstText = message.content.findIndex((block) => block.type === 'text');
    if (firstText !== -1 && firstText < results.length) return `message ${index}: tool results must come before text`;
    const isLast = index === messages.length - 1;
    const unknown = results.find((id) => !calls.includes(id));
    if (unknown) return `message ${index}: result for ${unknown}, which the previous message did not call`;
    if (new Set(results).size !== results.length) return `message ${index}: a tool call answered twice`;
    // Only the last message may still lack some results: they were being run when the agent stopped.
    if (!isLast && results.length !== calls.length) return `message ${index}: ${calls.length - results.length} tool calls unanswered`;
  }
  return undefined;
}

export const toolUses = (message: AssistantMessage): ToolUseBlock[] =>
  message.content.filter((block): block is ToolUseBlock => block.type === 'tool_use');

/** The built-in agent's conversation: appends keep it a valid Messages API history at every save. */
export class Conversation {
  private constructor(readonly messages: Message[]) {}

  static empty(): Conversation {
    return new Conversation([]);
  }

  /** A saved conversation, validated; ConversationInvalid says what is wrong with it. */
  static restore(saved: unknown): Conversation {
    const parsed = SavedConversation.safeParse(saved);
    if (!parsed.success) throw new ConversationInvalid(`the saved conversation is invalid: ${describeZodIssues(parsed.error)}`);
    return new Conversation(parsed.data.messages);
  }

  toJSON(): SavedConversation {
    return { version: 1, messages: this.messages };
  }

  get last(): Message | undefined {
    return this.messages.at(-1);
  }

  /** A human's text. After a failed model call the last message is the user's already: the text joins it. */
  appendUserText(text: string): void {
    const last = this.last;
    if (last?.role === 'user') last.content.push({ type: 'text', text });
    else this.messages.push({ role: 'user', content: [{ type: 'text', text }] });
  }

  appendAssistant(content: AssistantMessage['content']): void {
    if (this.last?.role !== 'user') throw new Error('an assistant message must follow a user message');
    this.messages.push({ role: 'assistant', content });
  }

  /** Calls of the last assistant message that have no result yet, in order. */
  unansweredCalls(): ToolUseBlock[] {
    const assistantIndex = this.last?.role === 'assistant' ? this.messages.length - 1 : this.messages.length - 2;
    const assistant = this.messages[assistantIndex];
    if (assistant?.role !== 'assistant') return [];
    const answers = this.messages[assistantIndex + 1];
    const answered = new Set(answers?.content.flatMap((block) => (block.type === 'tool_result' ? [block.tool_use_id] : [])));
    return toolUses(assistant).filter((call) => !answered.has(call.id));
  }

  /** One call's result, into the user message that answers the last assistant message (started on the first). */
  addToolResult(result: ToolResultBlock): void {
    if (!this.unansweredCalls().some((call) => call.id === result.tool_use_id)) {
      throw new Error(`no unanswered tool call ${result.tool_use_id}`);
    }
    const last = this.last!;
    if (last.role === 'assistant') this.messages.push({ role: 'user', content: [result] });
    else last.content.push(result);
  }

  /**
   * After a restart, calls that were cut off get an error result instead of being run again: a command may have
   * half-run, a question may have been answered elsewhere; the model decides whether to repeat them (through
   * tool.decide again). Returns how many were answered so.
   */
  repairInterrupted(): number {
    const calls = this.unansweredCalls();
    for (const call of calls) {
      this.addToolResult({
        type: 'tool_result',
        tool_use_id: call.id,
        content:
          'Interrupted: the agent stopped while this call was running, so it may or may not have taken effect. ' +
          'Check, and re-run it if still needed.',
        is_error: true,
      });
    }
    return calls.length;
  }
}
