import { useEffect, useRef, type ReactNode } from 'react';

interface Props {
  title: string;
  onClose?: () => void;
  children: ReactNode;
  tone?: 'default' | 'warning' | 'danger';
  labelledBy?: string;
}

/** A centered dialog over a dimmed app; Escape closes it when it may be closed. */
export function Modal({ title, onClose, children, tone = 'default' }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // React's autoFocus already placed the cursor where the dialog wants it; otherwise take the first field.
    if (box.current?.contains(document.activeElement)) return;
    box.current?.querySelector<HTMLElement>('input, select, button.primary')?.focus();
  }, []);
  return (
    <div
      className="modal-backdrop"
      onKeyDown={(event) => {
        if (event.key === 'Escape' && onClose) {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <div className={`modal modal-${tone}`} role="dialog" aria-modal="true" aria-label={title} ref={box}>
        <h2 className="modal-title">{title}</h2>
        {children}
      </div>
    </div>
  );
}
