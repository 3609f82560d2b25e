import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { transcriptUsage, TranscriptUsageReader } from './transcriptUsage';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function file(name = 'session.jsonl'): string {
  const dir = mkdtempSync(join(tmpdir(), 'fd-transcript-'));
  dirs.push(dir);
  return join(dir, name);
}

/** One transcript line of an assistant message, as Claude Code writes one per content block. */
function assistant(id: string, usage: Record<string, number>, model = 'claude-sonnet-4-5', text = 'x'): string {
  return JSON.stringify({ type: 'assistant', uuid: `${id}-${text}`, message: { id, model, role: 'assistant', content: [{ type: 'text', text }], usage } });
}

const user = JSON.stringify({ type: 'user', message: { role: 'user', content: 'go' } });

describe('transcriptUsage', () => {
  it('counts each model call once, by message id, from its latest line', async () => {
    const path = file();
    writeFileSync(
      path,
      [
        user,
        assistant('msg_1', { input_tokens: 100, output_tokens: 1, cache_read_input_tokens: 50, cache_creation_input_tokens: 20 }, 'claude-sonnet-4-5', 'thinking'),
        assistant('msg_1', { input_tokens: 100, output_tokens: 30, cache_read_input_tokens: 50, cache_creation_input_tokens: 20 }, 'claude-sonnet-4-5', 'tool'),
        JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] } }),
        assistant('msg_2', { input_tokens: 200, output_tokens: 7 }, 'claude-opus-4-1'),
        // An error Claude Code shows as a reply: no model call.
        assistant('msg_3', { input_tokens: 0, output_tokens: 0 }, '<synthetic>'),
        '',
      ].join('\n'),
    );
    expect(await transcriptUsage(path)).toEqual({
      usage: { inputTokens: 300, outputTokens: 37, cacheReadTokens: 50, cacheWriteTokens: 20 },
      model: 'claude-opus-4-1',
      messages: 2,
    });
  });

  it('tolerates a partial last line and lines that are not JSON', async () => {
    const path = file();
    const line = assistant('msg_2', { input_tokens: 5, output_tokens: 5 });
    writeFileSync(path, `${assistant('msg_1', { input_tokens: 10, output_tokens: 2 })}\nnot json\n${line.slice(0, 40)}`);
    const reader = new TranscriptUsageReader(path);
    expect((await reader.read()).usage).toMatchObject({ inputTokens: 10, outputTokens: 2 });

    // The rest of that line arrives: the next read counts it, once.
    appendFileSync(path, `${line.slice(40)}\n`);
    expect(await reader.read()).toMatchObject({ usage: { inputTokens: 15, outputTokens: 7 }, messages: 2 });
    expect((await reader.read()).usage.inputTokens).toBe(15);
  });

  it('reads only what was appended since the last read, and updates a message seen before', async () => {
    const path = file();
    writeFileSync(path, `${assistant('msg_1', { input_tokens: 10, output_tokens: 1 })}\n`);
    const reader = new TranscriptUsageReader(path);
    await reader.read();
    appendFileSync(path, `${assistant('msg_1', { input_tokens: 10, output_tokens: 9 })}\n${assistant('msg_2', { input_tokens: 1, output_tokens: 1 })}\n`);
    expect(await reader.read()).toMatchObject({ usage: { inputTokens: 11, outputTokens: 10 }, messages: 2 });
  });

  it('starts over when the file was replaced by a shorter one', async () => {
    const path = file();
    writeFileSync(path, `${assistant('msg_1', { input_tokens: 1000, output_tokens: 1 })}\n${assistant('msg_2', { input_tokens: 1, output_tokens: 1 })}\n`);
    const reader = new TranscriptUsageReader(path);
    await reader.read();
    writeFileSync(path, `${assistant('msg_9', { input_tokens: 3, output_tokens: 4 })}\n`);
    expect(await reader.read()).toMatchObject({ usage: { inputTokens: 3, outputTokens: 4 }, messages: 1 });
  });

  it('keeps a character cut between two chunks whole', async () => {
    const path = file();
    // Lines longer than a read chunk (1 MiB), full of multi-byte characters.
    const long = assistant('msg_1', { input_tokens: 1, output_tokens: 2 }, 'claude-sonnet-4-5', 'é€'.repeat(400_000));
    writeFileSync(path, `${long}\n${assistant('msg_2', { input_tokens: 3, output_tokens: 4 })}\n`);
    expect(await transcriptUsage(path)).toMatchObject({ usage: { inputTokens: 4, outputTokens: 6 }, messages: 2 });
  });

  it('reads nothing but a regular file: not a link, not a FIFO', async () => {
    const path = file();
    writeFileSync(path, `${assistant('msg_1', { input_tokens: 1, output_tokens: 1 })}\n`);
    const link = join(path, '..', 'link.jsonl');
    symlinkSync(path, link);
    await expect(transcriptUsage(link)).rejects.toThrow(/ELOOP|symbolic link/);
    const fifo = join(path, '..', 'fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    await expect(transcriptUsage(fifo)).rejects.toThrow(/not a regular file/);
    await expect(transcriptUsage('/dev/zero')).rejects.toThrow(/not a regular file/);
  });
});
