import { useEffect, useState, type ReactNode } from 'react';

const ARMED_MS = 3000;

/** A destructive action takes two clicks: the first arms it (and says what will happen), the second runs it. */
export function ConfirmButton({ title, confirmLabel, onConfirm, children }: { title: string; confirmLabel: string; onConfirm(): void; children: ReactNode }) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const timer = setTimeout(() => setArmed(false), ARMED_MS);
    return () => clearTimeout(timer);
  }, [armed]);
  return (
    <button
      type="button"
      className={armed ? 'confirm-armed' : 'icon-button'}
      title={armed ? `${confirmLabel} — click again` : title}
      onClick={() => {
        if (!armed) return setArmed(true);
        setArmed(false);
        onConfirm();
      }}
      onBlur={() => setArmed(false)}
    >
      {armed ? confirmLabel : children}
    </button>
  );
}
