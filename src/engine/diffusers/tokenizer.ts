/**
 * The CLIP tokenizer of a snapshot's tokenizer/ folder, for the engine's tokenizer library
 * (@huggingface/tokenizers): `tokenizer.json` when the folder has one, else the same pipeline
 * transformers' CLIPTokenizerFast builds from `vocab.json` + `merges.txt` (+ tokenizer_config.json
 * for the special tokens): NFC, whitespace runs to one space, lowercase; CLIP's split regex and
 * byte-level pre-tokenizer; BPE with the "</w>" word suffix; `<|startoftext|>` … `<|endoftext|>`.
 */
import { PackageError, describeError } from '../errors';
import { loadTokenizer, type TextTokenizer } from '../text/tokenizer';
import type { SnapshotSource } from './source';

const CLIP_SPLIT = "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

/** A special token of tokenizer_config.json: a string or an AddedToken object `{ content }`. */
function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

/** The tokenizer.json object transformers' CLIP converter writes for this vocabulary and merge list. */
export function clipTokenizerJson(vocab: Record<string, number>, merges: string[], special: { bos: string; eos: string; unk: string }): object {
  const id = (t: string, field: string): number => {
    const v = vocab[t];
    if (typeof v !== 'number') throw new PackageError(`${field} "${t}" is not in vocab.json`, 'tokenizer/tokenizer_config.json');
    return v;
  };
  const bos = id(special.bos, 'bos_token');
  const eos = id(special.eos, 'eos_token');
  const added = (content: string, tokenId: number): object => ({ id: tokenId, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(special.bos, bos), added(special.eos, eos)].sort((a, b) => (a as { id: number }).id - (b as { id: number }).id),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_SPLIT }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: [special.eos, eos], cls: [special.bos, bos], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: special.unk, continuing_subword_prefix: '', end_of_word_suffix: '</w>',
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: merges.map((m) => m.split(' ')),
    },
  };
}

async function json(src: SnapshotSource, path: string): Promise<unknown> {
  try {
    return JSON.parse(new TextDecoder().decode(await src.read(path))) as unknown;
  } catch (err) {
    if (err instanceof PackageError) throw err;
    throw new PackageError(`is not valid JSON (${describeError(err)})`, path);
  }
}

/** A tokenizer.json object for the engine's tokenizer library, the file it came from, and the pad id. */
export interface SnapshotTokenizer {
  json: unknown;
  file: string;
  padTokenId: number;
}

/**
 * The snapshot's tokenizer as a tokenizer.json object; the pad id is tokenizer_config.json's
 * pad_token (EOS when it has none), as transformers pads.
 */
export async function snapshotTokenizer(src: SnapshotSource, files: string[]): Promise<SnapshotTokenizer> {
  const config = files.includes('tokenizer/tokenizer_config.json') ? ((await json(src, 'tokenizer/tokenizer_config.json')) as Record<string, unknown>) : {};
  const special = {
    bos: tokenText(config['bos_token']) ?? '<|startoftext|>',
    eos: tokenText(config['eos_token']) ?? '<|endoftext|>',
    unk: tokenText(config['unk_token']) ?? '<|endoftext|>',
  };
  const pad = tokenText(config['pad_token']) ?? special.eos;
  let tokJson: unknown;
  let file: string;
  let vocabOf: (t: string) => number | undefined;
  if (files.includes('tokenizer/tokenizer.json')) {
    file = 'tokenizer/tokenizer.json';
    tokJson = await json(src, file);
    const model = (tokJson as { model?: { vocab?: Record<string, number> } }).model;
    const addedTokens = (tokJson as { added_tokens?: { id: number; content: string }[] }).added_tokens ?? [];
    vocabOf = (t) => model?.vocab?.[t] ?? addedTokens.find((a) => a.content === t)?.id;
  } else {
    file = 'tokenizer/vocab.json';
    const vocab = (await json(src, file)) as Record<string, number>;
    if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) throw new PackageError('must map tokens to ids', file);
    const lines = new TextDecoder().decode(await src.read('tokenizer/merges.txt')).split('\n');
    const merges = lines.filter((l, i) => l.trim() !== '' && !(i === 0 && l.startsWith('#version')));
    const bad = merges.findIndex((m) => m.split(' ').length !== 2);
    if (bad >= 0) throw new PackageError(`line ${bad + 2} is not a pair of tokens: ${JSON.stringify(merges[bad])}`, 'tokenizer/merges.txt');
    tokJson = clipTokenizerJson(vocab, merges, special);
    vocabOf = (t) => vocab[t];
  }
  const padTokenId = vocabOf(pad) ?? vocabOf(special.eos);
  if (padTokenId === undefined) throw new PackageError(`has no id for the padding token "${pad}"`, file);
  return { json: tokJson, file, padTokenId };
}

/** The snapshot's tokenizer, truncating to `maxLength` (keeping EOS) like the pipeline. */
export async function loadSnapshotTokenizer(src: SnapshotSource, files: string[], maxLength: number): Promise<TextTokenizer> {
  const t = await snapshotTokenizer(src, files);
  return loadTokenizer(t.json, { maxLength, padTokenId: t.padTokenId }, t.file);
}
