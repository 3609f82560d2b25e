/** FLIGHTDECK_DEBUG=1 traces connection phases with timings on stderr: the first thing to ask for when a connect is slow. */
const enabled = Boolean(process.env.FLIGHTDECK_DEBUG);
const origin = performance.now();

export function debug(message: string): void {
  if (enabled) process.stderr.write(`[flightdeck ${(performance.now() - origin).toFixed(0).padStart(6)} ms] ${message}\n`);
}
