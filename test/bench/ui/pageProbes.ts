// Timings taken inside the page, on the page's own clock: from the input event's timestamp (when Chromium received the
// key or click) to the start of the first animation frame after the awaited DOM state was committed, i.e. the frame
// that paints it. Everything is passed to page.evaluate as code: the page's CSP allows no injected <script>.
import type { Page } from 'playwright-core';

/**
 * Makes the page able to run the probes below: the bench runs under tsx, whose esbuild (keepNames) wraps the named
 * functions inside them in a __name() helper that exists in Node but not in the page. Once per page load.
 */
export async function preparePage(page: Page): Promise<void> {
  await page.evaluate('globalThis.__name = (fn) => fn');
}

/** A DOM state awaited: every selector matches, and nothing matches `absent`. */
export interface PageState {
  selectors: string[];
  absent?: string;
}

/**
 * Times an input to each of several states: arms a listener in the page, runs `trigger` (which must cause the input:
 * a key, e.key as `input`, or 'click'), and resolves with the milliseconds from the input event to the frame that
 * paints each state, in order.
 */
export async function timeInputToStates(page: Page, input: string, states: PageState[], trigger: () => Promise<void>, timeoutMs = 60_000): Promise<number[]> {
  const armed = page.evaluate(
    ({ input, states, timeoutMs }) =>
      new Promise<number[]>((resolve, reject) => {
        const reached = (state: { selectors: string[]; absent: string | null }) =>
          state.selectors.every((selector) => document.querySelector(selector)) && !(state.absent && document.querySelector(state.absent));
        const times: number[] = [];
        const timer = setTimeout(() => reject(new Error(`not reached within ${timeoutMs} ms: ${JSON.stringify(states[times.length])}`)), timeoutMs);
        const type = input === 'click' ? 'click' : 'keydown';
        const onInput = (event: Event) => {
          if (type === 'keydown' && (event as KeyboardEvent).key !== input) return;
          window.removeEventListener(type, onInput, true);
          const start = event.timeStamp;
          let pending = 0;
          const check = () => {
            while (pending < states.length && reached(states[pending]!)) {
              const index = pending++;
              requestAnimationFrame((frame) => {
                times[index] = frame - start;
                if (times.filter((time) => time !== undefined).length === states.length) {
                  clearTimeout(timer);
                  resolve(times);
                }
              });
            }
            return pending === states.length;
          };
          if (check()) return;
          const observer = new MutationObserver(() => check() && observer.disconnect());
          observer.observe(document.body, { subtree: true, childList: true, attributes: true });
        };
        window.addEventListener(type, onInput, true);
      }),
    { input, states: states.map((state) => ({ selectors: state.selectors, absent: state.absent ?? null })), timeoutMs },
  );
  // page.evaluate calls run in order in the page: once this one returns, the listener above is in place.
  await page.evaluate(() => undefined);
  await trigger();
  return armed;
}

export async function timeInputToState(page: Page, input: string, state: PageState, trigger: () => Promise<void>): Promise<number> {
  const [time] = await timeInputToStates(page, input, [state], trigger);
  return time!;
}

/** Frame gaps of the page's animation frames while `drive` runs: the gaps between consecutive frames' timestamps. */
export async function frameGapsDuring(page: Page, drive: () => Promise<void>): Promise<number[]> {
  await page.evaluate(() => {
    const state = { stamps: [] as number[], running: true };
    (window as unknown as { __benchFrames: typeof state }).__benchFrames = state;
    const tick = (time: number) => {
      state.stamps.push(time);
      if (state.running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await drive();
  const stamps = await page.evaluate(() => {
    const state = (window as unknown as { __benchFrames: { stamps: number[]; running: boolean } }).__benchFrames;
    state.running = false;
    return state.stamps;
  });
  return stamps.slice(1).map((stamp, index) => stamp - stamps[index]!);
}
