import { useEffect, useState } from 'react';

/** Seconds until `at` (epoch ms), ticking once a second; "now" once it passed. */
export function Countdown({ at }: { at: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.ceil((at - now) / 1000);
  return <span className="countdown">{seconds > 0 ? `in ${seconds}s` : 'now'}</span>;
}
