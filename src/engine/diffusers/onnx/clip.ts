/**
 * CLIP's text encoder (transformers' CLIPTextModelWithProjection) as the package's text graph:
 * input_ids [B, S] → hidden_states [B, S, D] (the second-to-last layer's output, what aMUSEd
 * conditions on) and text_embeds [B, P] (final LayerNorm, pooled at the EOS token, projected).
 * No attention mask, as aMUSEd's pipeline runs it: only CLIP's causal mask.
 */
import type { ClipConfig } from '../configs';
import type { SafetensorsFile } from '../safetensors';
import { GraphBuilder } from './builder';
import { DT } from './proto';
import { attend, gelu, layerNorm, linear, quickGelu } from './layers';

export function buildClipGraph(cfg: ClipConfig, weights: SafetensorsFile, location: string, maxLength: number): Uint8Array {
  const g = new GraphBuilder(weights, location);
  const D = cfg.hidden_size;
  const S = maxLength;
  const F = cfg.intermediate_size;
  const heads = cfg.num_attention_heads;
  const ids = g.input('input_ids', DT.INT64, ['batch', S]);
  const tm = 'text_model';

  const tok = g.op('Gather', [g.w(`${tm}.embeddings.token_embedding.weight`, [cfg.vocab_size, D]), ids]);
  const pos = g.op('Slice', [g.w(`${tm}.embeddings.position_embedding.weight`, [cfg.max_position_embeddings, D]), g.i64([0]), g.i64([S]), g.i64([0])]);
  let x = g.op('Add', [tok, pos]);

  const causal = new Float32Array(S * S);
  for (let i = 0; i < S; i++) for (let j = i + 1; j < S; j++) causal[i * S + j] = -Infinity;
  const mask = g.f32(causal, [S, S]);
  const act = (v: string): string => (cfg.hidden_act === 'quick_gelu' ? quickGelu(g, v) : gelu(g, v));

  let penultimate = x;
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const p = `${tm}.encoder.layers.${i}`;
    const h = layerNorm(g, x, `${p}.layer_norm1`, D, cfg.layer_norm_eps, true, true);
    const q = linear(g, h, `${p}.self_attn.q_proj`, D, D, true);
    const k = linear(g, h, `${p}.self_attn.k_proj`, D, D, true);
    const v = linear(g, h, `${p}.self_attn.v_proj`, D, D, true);
    x = g.op('Add', [x, linear(g, attend(g, q, k, v, heads, D / heads, mask), `${p}.self_attn.out_proj`, D, D, true)]);
    const m = layerNorm(g, x, `${p}.layer_norm2`, D, cfg.layer_norm_eps, true, true);
    x = g.op('Add', [x, linear(g, act(linear(g, m, `${p}.mlp.fc1`, D, F, true)), `${p}.mlp.fc2`, F, D, true)]);
    if (i === cfg.num_hidden_layers - 2) penultimate = x;
  }
  const last = layerNorm(g, x, `${tm}.final_layer_norm`, D, cfg.layer_norm_eps, true, true);
  // transformers' pooling: with eos_token_id 2 (the original CLIP configs) the highest id in the
  // row, which is EOS in CLIP's vocabulary; otherwise the first position holding eos_token_id.
  const key = cfg.eos_token_id === 2 ? ids : g.op('Equal', [ids, g.i64([cfg.eos_token_id], [])]);
  const at = g.op('ArgMax', [g.op('Cast', [key], { to: DT.FLOAT })], { axis: -1, keepdims: 1 });
  const pooled = g.op('GatherND', [last, at], { batch_dims: 1 });
  const embeds = linear(g, pooled, 'text_projection', D, cfg.projection_dim, false);
  g.ignore(`${tm}.embeddings.position_ids`); // a buffer (0…S−1) older transformers versions saved
  g.checkAllUsed();
  g.output(penultimate, 'hidden_states', DT.FLOAT, ['batch', S, D]);
  g.output(embeds, 'text_embeds', DT.FLOAT, ['batch', cfg.projection_dim]);
  return g.finish('clip_text');
}
