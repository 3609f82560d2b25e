// The diff highlighter's Web Worker: highlighting thousands of lines never blocks the page. Jobs run one per task, so
// a cancel sent while one runs still reaches the queue behind it.
import { errorMessage } from '../../../common/wire/errors';
import type { HighlightJob, HighlightMessage, HighlightReply } from './highlightClient';
import { highlightFile } from './highlightLines';

const queue: HighlightJob[] = [];
let scheduled = false;

function reply(message: HighlightReply): void {
  postMessage(message);
}

function runNext(): void {
  scheduled = false;
  const job = queue.shift();
  if (job) {
    try {
      reply({ id: job.id, runs: highlightFile(job.hunks, job.language) });
    } catch (error) {
      reply({ id: job.id, error: errorMessage(error) });
    }
  }
  schedule();
}

function schedule(): void {
  if (scheduled || queue.length === 0) return;
  scheduled = true;
  setTimeout(runNext, 0);
}

addEventListener('message', (event: MessageEvent<HighlightMessage>) => {
  const message = event.data;
  if (message.type === 'cancel') {
    const index = queue.findIndex((job) => job.id === message.id);
    if (index >= 0) queue.splice(index, 1);
    return;
  }
  queue.push(message);
  schedule();
});
