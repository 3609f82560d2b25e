import { errorMessage } from '../../common/wire/errors';
import type { AuditLog } from '../audit/auditLog';
import type { ForgeProvider } from '../forge/forge';
import { DEFAULT_POLL_SECONDS, loadForges } from '../forge/forgeConfig';
import { repoForge } from '../forge/repoForge';
import type { PullRequestRecord, PullRequestStore } from './pullRequestStore';

export interface ReviewPollerDeps {
  stateDir: string;
  pulls: PullRequestStore;
  /** The origin URL of a run's repo. */
  remoteOf(run: string): string;
  audit: AuditLog;
  /** A rework of the run is under way: its pull request waits, so the next batch is feedback on the reworked code. */
  busy(run: string): boolean;
  /** New feedback was stored as round `round` of the run. */
  newRound(run: string, round: number): void;
  /** A run's pull request record changed (closed, a poll failed or worked again). */
  changed(run: string): void;
  log(message: string): void;
}

/**
 * Asks the forge for new feedback on every open pull request of a done run, every poll_seconds of forges.yaml, from
 * the cursor stored with it (so a restarted daemon goes on where the last one stopped, and nothing is collected
 * twice). A pull request closed or merged on the forge is no longer polled.
 */
export class ReviewPoller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private pass: Promise<void> = Promise.resolve();
  private polling = false;
  /** Kicked during a pass: another follows at once. */
  private again = false;
  /** Providers by run, kept while they work (one `whoami` per pull request, not per poll); dropped after a failure. */
  private readonly providers = new Map<string, ForgeProvider>();

  constructor(private readonly deps: ReviewPollerDeps) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** A pass now (a pull request was just opened), and the clock starts again from it. */
  kick(): void {
    if (this.polling) this.again = true;
    else {
      clearTimeout(this.timer);
      this.schedule(0);
    }
  }

  /** No pass starts any more; resolves when the one under way (if any) is over. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    return this.pass;
  }

  /** One pass over every polled pull request; what goes wrong with one is noted on it, and the next is polled. */
  async pollAll(): Promise<void> {
    for (const pull of this.deps.pulls.polled()) {
      if (this.stopped) return;
      if (this.deps.busy(pull.run)) continue;
      await this.poll(pull);
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = true;
      // A failure to record what a poll found (the database closing under a stopping daemon) ends this pass only.
      this.pass = this.pollAll()
        .catch((error: unknown) => this.deps.log(`pull requests: polling failed: ${errorMessage(error)}`))
        .finally(() => {
          this.polling = false;
          this.schedule(this.again ? 0 : this.intervalMs());
          this.again = false;
        });
    }, delayMs);
    // Polling alone never keeps the daemon alive.
    this.timer.unref();
  }

  private intervalMs(): number {
    try {
      return loadForges(this.deps.stateDir).pollSeconds * 1000;
    } catch (error) {
      this.deps.log(`pull requests: forges.yaml: ${errorMessage(error)}; polling every ${DEFAULT_POLL_SECONDS} s`);
      return DEFAULT_POLL_SECONDS * 1000;
    }
  }

  private async poll(pull: PullRequestRecord): Promise<void> {
    const { run, number, branch } = pull;
    try {
      const provider = this.provider(run);
      const page = await provider.feedbackSince(number!, pull.cursor);
      const added = this.deps.pulls.addFeedback(run, page.items, page.cursor);
      if (added) {
        this.deps.audit.append({
          actor: 'host',
          action: 'pr.feedback',
          target: `run:${run}`,
          outcome: 'ok',
          data: { number, round: added.round, items: added.items.map((item) => ({ id: item.id, kind: item.kind, author: item.author, url: item.url })) },
        });
        this.deps.newRound(run, added.round);
      }
      const open = await provider.findOpenPullRequest(branch);
      if (open?.number !== number) {
        this.deps.pulls.update(run, { closed: true, note: `#${number} was closed or merged on the forge: its feedback is no longer polled` });
        this.deps.log(`run ${run}: pull request #${number} is closed or merged; no longer polled`);
        this.deps.changed(run);
      } else if (pull.note !== null) {
        this.deps.pulls.update(run, { note: null });
        this.deps.changed(run);
      }
    } catch (error) {
      this.providers.delete(run);
      const note = `the feedback could not be read (tried again in the next poll): ${errorMessage(error)}`;
      this.deps.log(`run ${run}: pull request #${number}: ${note}`);
      if (note !== pull.note) {
        this.deps.pulls.update(run, { note });
        this.deps.changed(run);
      }
    }
  }

  private provider(run: string): ForgeProvider {
    let provider = this.providers.get(run);
    if (!provider) {
      const forge = repoForge(this.deps.stateDir, this.deps.remoteOf(run));
      if (forge.provider === null) throw new Error(forge.reason);
      provider = forge.provider;
      this.providers.set(run, provider);
    }
    return provider;
  }
}
