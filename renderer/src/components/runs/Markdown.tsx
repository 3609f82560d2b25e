import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'react';

// Links leave the app: the window denies navigation, so they open in the system browser, without a referrer.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.getAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/** Markdown from a host (plans, learnings) as HTML: rendered by marked, then sanitised, never injected as it came. */
export function Markdown({ source, label }: { source: string; label: string }) {
  const html = useMemo(() => DOMPurify.sanitize(marked.parse(source, { async: false, gfm: true }), { ADD_ATTR: ['target'] }), [source]);
  return <article className="markdown" aria-label={label} dangerouslySetInnerHTML={{ __html: html }} />;
}
