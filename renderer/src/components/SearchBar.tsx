import { useEffect, useRef, useState } from 'react';
import type { TerminalController } from '../terminal/controller';
import { Icon } from './Icon';

export function SearchBar({ controller, onClose }: { controller: TerminalController; onClose(): void }) {
  const [query, setQuery] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const find = (forward: boolean) => {
    if (!query) return;
    if (forward) controller.search.findNext(query);
    else controller.search.findPrevious(query);
  };
  return (
    <div className="search-bar">
      <input
        ref={input}
        value={query}
        placeholder="Find in terminal"
        aria-label="Find in terminal"
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') find(!event.shiftKey);
          if (event.key === 'Escape') {
            controller.search.clearDecorations();
            onClose();
            controller.focus();
          }
        }}
      />
      <button type="button" className="icon-button" onClick={() => find(false)} title="Previous (Shift+Enter)">
        <Icon name="up" />
      </button>
      <button type="button" className="icon-button" onClick={() => find(true)} title="Next (Enter)">
        <Icon name="down" />
      </button>
      <button type="button" className="icon-button" onClick={onClose} title="Close (Esc)">
        <Icon name="close" />
      </button>
    </div>
  );
}
