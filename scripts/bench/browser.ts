/**
 * Runs the bench page in headless Chromium for one backend: a fresh browser per backend (cold
 * HTTP cache, its own processes), launched like the e2e tests (tests/e2e/browser.ts).
 * Process memory comes from /proc: the renderer hosts the page, its workers and ORT's WASM
 * threads; the GPU process holds WebGPU (SwiftShader) buffers. VmHWM is reset at every phase
 * mark (clear_refs), so each phase gets its own peak. JS heaps come from the DevTools protocol
 * (Runtime.getHeapUsage of the page and of each worker it started, polled): the worker has no
 * performance.memory, and performance.measureUserAgentSpecificMemory() never resolved in
 * headless Chromium 156 here (tried with ForceEagerMeasureMemory, 30 s).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { chromium, type CDPSession } from '@playwright/test';
import { chromiumArgs, findChromium } from '../../tests/e2e/browser';
import { START_PATHS, type BackendResult, type CachedVisit, type ProcessPeaks, type RunnerConfig, type StartPath } from './shared/types';

/** Cached visits per start path unless --visits says otherwise (alternating, so a busy spell hits both). */
const VISITS = 2;

type Backend = 'wasm' | 'webgpu';

function children(): Map<number, number[]> {
  const kids = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = kids.get(ppid) ?? [];
      list.push(Number(name));
      kids.set(ppid, list);
    } catch {
      // the process ended meanwhile
    }
  }
  return kids;
}

/** Chromium processes started by this Node process, by their --type (renderer, gpu-process, …). */
function chromiumProcesses(): Array<{ pid: number; type: string }> {
  const kids = children();
  const out: Array<{ pid: number; type: string }> = [];
  const walk = (pid: number): void => {
    for (const k of kids.get(pid) ?? []) {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${k}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? (cmd.includes('chrom') ? 'browser' : 'other');
      out.push({ pid: k, type });
      walk(k);
    }
  };
  walk(process.pid);
  return out;
}

function vmHwm(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function resetHwm(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls the V8 heap of the page and of its (direct) workers through CDP; ORT's WASM threads are
 * nested workers with tiny JS heaps and are not included.
 */
class HeapSampler {
  private readonly targets = new Set<string>();
  private readonly pending = new Map<number, (r: unknown) => void>();
  private id = 1;
  private timer: ReturnType<typeof setInterval> | undefined;
  peakUsed = 0;
  peakBuffers = 0;

  constructor(private readonly cdp: CDPSession) {}

  async start(everyMs = 250): Promise<void> {
    this.cdp.on('Target.attachedToTarget', (ev: { sessionId: string; targetInfo: { type: string } }) => {
      if (ev.targetInfo.type === 'worker') this.targets.add(ev.sessionId);
    });
    this.cdp.on('Target.detachedFromTarget', (ev: { sessionId: string }) => void this.targets.delete(ev.sessionId));
    this.cdp.on('Target.receivedMessageFromTarget', (ev: { message: string }) => {
      const m = JSON.parse(ev.message) as { id?: number; result?: unknown };
      if (m.id !== undefined) {
        this.pending.get(m.id)?.(m.result);
        this.pending.delete(m.id);
      }
    });
    await this.cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    this.timer = setInterval(() => void this.sample().catch(() => {}), everyMs);
  }

  private ask(sessionId: string): Promise<unknown> {
    const id = this.id++;
    const answer = new Promise<unknown>((resolve) => {
      this.pending.set(id, resolve);
      setTimeout(() => {
        if (this.pending.delete(id)) resolve(undefined);
      }, 5000);
    });
    void this.cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) }).catch(() => {});
    return answer;
  }

  async sample(): Promise<void> {
    type Usage = { usedSize?: number; backingStorageSize?: number } | undefined;
    const all = (await Promise.all([this.cdp.send('Runtime.getHeapUsage').catch(() => undefined), ...[...this.targets].map((t) => this.ask(t))])) as Usage[];
    const used = all.reduce((s, u) => s + (u?.usedSize ?? 0), 0);
    const buffers = all.reduce((s, u) => s + (u?.backingStorageSize ?? 0), 0);
    this.peakUsed = Math.max(this.peakUsed, used);
    this.peakBuffers = Math.max(this.peakBuffers, buffers);
  }

  /** Peaks since the last call. */
  take(): { jsHeap: number; arrayBuffers: number } {
    const r = { jsHeap: this.peakUsed, arrayBuffers: this.peakBuffers };
    this.peakUsed = 0;
    this.peakBuffers = 0;
    return r;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** Reads the renderer and GPU process peaks since the last call, then resets them. */
function readPeaks(): ProcessPeaks {
  const procs = chromiumProcesses();
  const peak = (type: string): number | undefined => {
    const v = procs.filter((p) => p.type === type).map((p) => vmHwm(p.pid) ?? 0);
    return v.length ? Math.max(...v) : undefined;
  };
  const renderer = peak('renderer');
  const gpu = peak('gpu-process');
  const reset = procs.filter((p) => p.type === 'renderer' || p.type === 'gpu-process').every((p) => resetHwm(p.pid));
  return { ...(renderer !== undefined ? { renderer } : {}), ...(gpu !== undefined ? { gpu } : {}), reset };
}

export function chromiumVersion(): string {
  try {
    return execFileSync(findChromium(), ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** `againstUrl`: a second package measured in the same worker, its jobs interleaved with the first's (--against). */
export async function runBrowser(
  backend: Backend,
  pageUrl: string,
  pkgUrl: string,
  cfg: RunnerConfig,
  log: (l: string) => void,
  againstUrl?: string,
): Promise<{ result: BackendResult; version: string }> {
  const browser = await chromium.launch({
    executablePath: findChromium(),
    // Precise performance.memory, and measureUserAgentSpecificMemory without its random delay.
    args: chromiumArgs,
  });
  let heaps: HeapSampler | undefined;
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    // ORT's WebGPU EP warns at every session creation that shape ops run on the CPU: expected, noise here.
    page.on('console', (m) => void (m.text().includes('VerifyEachNodeIsAssignedToAnEp') || log(`[${backend}] ${m.text()}`)));
    page.on('pageerror', (e) => log(`[${backend}] page error: ${e.message}`));
    const phases: Record<string, ProcessPeaks> = {};
    heaps = new HeapSampler(await context.newCDPSession(page));
    await heaps.start();
    readPeaks();
    const read = async (): Promise<ProcessPeaks> => {
      await heaps!.sample().catch(() => {});
      return { ...readPeaks(), ...heaps!.take() };
    };
    await page.exposeFunction('__benchMark', async (phase: string) => {
      phases[phase] = await read();
    });
    await page.goto(`${pageUrl}/bench.html`);
    await page.waitForFunction(() => typeof window.__bench === 'object');
    const result = await page.evaluate(
      ([b, url, c, other]) => window.__bench.run(b as Backend, url as string, c as RunnerConfig, (other as string | null) ?? undefined),
      [backend, pkgUrl, cfg, againstUrl ?? null] as const,
    );
    phases['end'] = await read();
    try {
      result.load.newWorker = await page.evaluate(([b, url]) => window.__bench.loadInNewWorker(b as Backend, url as string), [backend, pkgUrl] as const);
      log(`[${backend}] load in a new worker (HTTP cache): ${result.load.newWorker.toFixed(1)} ms`);
    } catch (e) {
      result.errors.push(`new-worker load: ${e instanceof Error ? e.message : String(e)}`);
    }
    // Cached visits: one to fill Cache Storage (the preview atlas) as a first visit would, then
    // the two start paths alternating, each in a fresh worker. (The start before issue 14.2 is
    // measured in its own built studio: --studio-visits.)
    // --visits 0: none at all, not even the one that fills Cache Storage.
    if ((cfg.visits ?? VISITS) > 0) {
      try {
        await page.evaluate(([b, url]) => window.__bench.visit(b as Backend, url as string, 'new'), [backend, pkgUrl] as const);
        const visits: CachedVisit[] = [];
        for (let i = 0; i < (cfg.visits ?? VISITS); i++) {
          for (const p of START_PATHS) {
            const v = await page.evaluate(
              ([b, url, sp, so]) => window.__bench.visit(b as Backend, url as string, sp as StartPath, so as Record<string, unknown> | undefined),
              [backend, pkgUrl, p, cfg.sessionOptions] as const,
            );
            const list = (parts: Record<string, number>): string => Object.entries(parts).map(([k, ms]) => `${k} ${ms.toFixed(0)}`).join(', ');
            log(`[${backend}] cached visit (${p}): ready ${v.ready.toFixed(0)} ms, first image ${v.firstImage.toFixed(0)} ms, next ${v.secondImage.toFixed(0)} ms; ${list(v.parts)}`);
            if (v.imageParts) log(`[${backend}]   first image: ${list(v.imageParts.first)}; next: ${list(v.imageParts.next)}`);
            visits.push(v);
          }
        }
        result.load.visits = visits;
      } catch (e) {
        result.errors.push(`cached visit: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    result.memory.phases = phases;
    const jobs = phases['jobs'];
    if (jobs?.renderer !== undefined) result.memory.peakRss = jobs.renderer;
    if (jobs?.gpu !== undefined) result.memory.gpuProcessPeakRss = jobs.gpu;
    if (jobs?.jsHeap) result.memory.peakJsHeap = jobs.jsHeap;
    if (jobs?.arrayBuffers) result.memory.peakArrayBuffers = jobs.arrayBuffers;
    result.memory.notes.push('JS heap: summed V8 heaps (used) of the page and the bench worker, CDP Runtime.getHeapUsage every 250 ms, peak per phase; peakJsHeap is the generation phase.');
    if (Object.keys(phases).length === 0 || phases['loaded']?.renderer === undefined) {
      result.memory.notes.push('no Chromium renderer process found under /proc: process peaks unavailable.');
    } else {
      result.memory.notes.push(
        `Process peaks are /proc VmHWM of the renderer (page + workers + ORT WASM threads) and GPU processes${
          phases['loaded']?.reset ? ', reset at each phase' : ' since launch (clear_refs refused)'
        }; peakRss is the generation phase.`,
      );
    }
    return { result, version: browser.version() };
  } finally {
    heaps?.stop();
    await browser.close();
  }
}
