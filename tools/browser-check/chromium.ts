/** Debian's Chromium, found on PATH and started by playwright-core (never a downloaded browser). */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export function findChromium(): string | null {
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8', timeout: 10_000 }).trim();
    return found === '' ? null : found;
  } catch {
    return null;
  }
}

/** wasm computes on the CPU: no GPU process. */
export const CPU_ONLY_FLAGS = ['--disable-gpu'];
/**
 * WebGL with no GPU: ANGLE over SwiftShader (a CPU Vulkan). Chromium only hands
 * SwiftShader to WebGL with the "unsafe" opt-in since it stopped falling back to it.
 */
export const SWIFTSHADER_FLAGS = ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

/**
 * WebGPU with no GPU: Dawn over SwiftShader's Vulkan, behind the same opt-ins
 * (WebGPU on Linux is not enabled by default, and SwiftShader only on request).
 */
export const WEBGPU_SWIFTSHADER_FLAGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader'];

export interface LaunchedChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(executablePath: string, gpuFlags: readonly string[]): Promise<LaunchedChromium> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'peftjs-chromium-'));
  try {
    // Playwright refuses `--user-data-dir` in args and takes the directory this way: same flag, its own check.
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      timeout: 60_000,
      acceptDownloads: true,
      viewport: { width: 1000, height: 900 },
      args: ['--no-sandbox', ...gpuFlags, '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    return {
      context,
      // Safe to call twice (a test's finally, then afterAll).
      close: async () => {
        await context.close().catch(() => undefined);
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
}
