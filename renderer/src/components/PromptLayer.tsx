import { useStore } from '../store/store';
import { HostKeyDialog } from './HostKeyDialog';
import { PassphraseDialog } from './PassphraseDialog';

/** The oldest open prompt, above everything else: the connection waits on it. */
export function PromptLayer() {
  const prompt = useStore((state) => state.prompts[0]);
  if (!prompt) return null;
  return (
    <div className="prompt-layer">
      {prompt.kind === 'host-key' ? <HostKeyDialog key={prompt.id} prompt={prompt} /> : <PassphraseDialog key={prompt.id} prompt={prompt} />}
    </div>
  );
}
