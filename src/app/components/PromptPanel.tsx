import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { promptWords, unknownWords } from '../../engine';
import { unreadableWords } from '../commands';
import { formActions, useForm } from '../store/form';
import { useStudio } from '../store/studio';
import { inputClass, Kbd, modKey } from './ui';

/** Prompt and negative prompt; `action` names what Mod+Enter does (generate, or edit in Edit mode). */
export function PromptPanel({ action = 'generate' }: { action?: 'generate' | 'edit' }) {
  const prompt = useForm((s) => s.prompt);
  const negative = useForm((s) => s.negativePrompt);
  const recallNote = useForm((s) => s.recallNote);
  const id = useId();
  const root = useRef<HTMLDivElement>(null);
  // A recall from the gallery far below: bring the refilled prompt and its note into view.
  useEffect(() => {
    if (recallNote) root.current?.scrollIntoView({ block: 'nearest' });
  }, [recallNote]);
  const empty = prompt.trim() === '';
  const unknown = useUnknownWords(prompt);
  return (
    <div ref={root} className="flex flex-col gap-2">
      {recallNote && (
        <p role="status" aria-label="Recall" className="rounded-md border border-sky-500/30 bg-sky-500/10 px-2 py-1 text-xs text-sky-200">
          {recallNote}
        </p>
      )}
      <div className="flex items-center justify-between">
        <label htmlFor={`${id}-prompt`} className="text-sm font-medium text-zinc-200">
          Prompt
        </label>
        {empty && (
          <span
            id={`${id}-uncond`}
            className="rounded-full border border-zinc-600 px-2 py-0.5 text-[11px] uppercase tracking-wide text-zinc-400"
          >
            unconditional
          </span>
        )}
      </div>
      <textarea
        id={`${id}-prompt`}
        className={`${inputClass} min-h-28 resize-y`}
        placeholder="a red hot-air balloon by the sea at sunset"
        value={prompt}
        aria-describedby={unknown ? `${id}-hint ${id}-unknown` : `${id}-hint`}
        onChange={(e) => formActions.setPrompt(e.target.value)}
      />
      <p id={`${id}-hint`} className="text-xs text-zinc-400">
        {empty ? 'Empty prompt: the model draws without text (unconditional). ' : ''}
        <Kbd>{modKey}</Kbd> <Kbd>Enter</Kbd> to {action}.
      </p>
      {unknown && (
        <p
          id={`${id}-unknown`}
          role="note"
          aria-label="Words not understood"
          className="rounded-md border border-amber-500/40 bg-amber-500/10 px-2 py-1 text-xs text-amber-100"
        >
          {unknown.model} was not trained on {unknown.words.length === 1 ? 'this word' : 'these words'} and will not
          understand {unknown.words.length === 1 ? 'it' : 'them'}:{' '}
          {unknown.words.map((w, i) => (
            <span key={w}>
              {i > 0 && ', '}
              <q className="font-medium text-amber-50">{w}</q>
            </span>
          ))}
        </p>
      )}
      <details className="group rounded-md border border-zinc-800 bg-zinc-900/40">
        <summary className="cursor-pointer select-none px-3 py-2 text-sm text-zinc-300 hover:text-zinc-100">
          <span className="mr-1 inline-block transition-transform group-open:rotate-90">›</span>
          Negative prompt
          {negative.trim() !== '' && <span className="ml-2 text-xs text-violet-300">· set</span>}
        </summary>
        <div className="px-3 pb-3">
          <label htmlFor={`${id}-neg`} className="sr-only">
            Negative prompt
          </label>
          <textarea
            id={`${id}-neg`}
            className={`${inputClass} min-h-16 resize-y`}
            placeholder="what to steer away from"
            value={negative}
            onChange={(e) => formActions.setNegativePrompt(e.target.value)}
          />
          <p className="mt-1 text-xs text-zinc-400">Replaces the unconditional branch of guidance.</p>
        </div>
      </details>
    </div>
  );
}

/** How long typing must pause before the worker is asked which words its tokenizer cannot read. */
const UNREADABLE_DEBOUNCE_MS = 250;

/**
 * The prompt's words the loaded model will not understand, or undefined when there are none:
 * those outside its training vocabulary (manifest textEncoder.knownWords, for closed-vocabulary
 * models whose tokenizer spells unseen words in pieces) and those its tokenizer maps to `<unk>`
 * (asked of the worker once typing pauses). Open-vocabulary encoders like T5 and CLIP list no
 * words, and their tokenizers read nearly everything, so they rarely show a note.
 */
function useUnknownWords(prompt: string): { model: string; words: string[] } | undefined {
  const manifest = useStudio((s) => s.model.manifest);
  const known = useMemo(() => {
    const words = manifest?.textEncoder.knownWords;
    return words ? new Set(words) : undefined;
  }, [manifest]);
  const [unreadable, setUnreadable] = useState<string[]>([]);
  useEffect(() => {
    if (!manifest || prompt.trim() === '') return;
    let current = true;
    const timer = setTimeout(() => {
      void unreadableWords(prompt).then((words) => {
        if (current) setUnreadable(words);
      });
    }, UNREADABLE_DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [prompt, manifest]);
  return useMemo(() => {
    if (!manifest) return undefined;
    const words = known ? unknownWords(prompt, known) : [];
    // An answer for an earlier prompt still names words the prompt has, until the new one comes.
    const now = new Set(promptWords(prompt));
    for (const w of unreadable) if (now.has(w) && !words.includes(w)) words.push(w);
    return words.length > 0 ? { model: manifest.displayName, words } : undefined;
  }, [prompt, manifest, known, unreadable]);
}
