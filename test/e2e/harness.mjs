// The end-to-end bed: a real VS Code (code-server, installed by test/e2e/setup.sh outside
// the repo) on loopback with an isolated profile, the packaged .vsix installed into it,
// and Debian's chromium driven by playwright-core. Recipe: ../shared/docs/TESTBEDS.md §1.
// No fixed sleeps anywhere: every wait polls for a condition with a deadline.
//
// This module has no tests of its own (`node --test test/` imports it and finds none).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Screenshots of a run (gitignored). */
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');

/** Where setup.sh installs code-server and playwright-core. */
export const E2E_HOME = process.env.EXT4WP_E2E_HOME ?? join(homedir(), '.cache', 'ext4-write-path', 'e2e');
export const CODE_SERVER = join(E2E_HOME, 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.EXT4WP_CHROMIUM ?? '/usr/bin/chromium';

/** What is missing for the bed, as a sentence, or undefined when everything is there. */
export function missingTools() {
  const missing = [];
  if (!existsSync(CODE_SERVER)) missing.push(`code-server (${CODE_SERVER})`);
  if (!existsSync(join(E2E_HOME, 'node_modules', 'playwright-core'))) missing.push(`playwright-core (in ${E2E_HOME})`);
  if (!existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM})`);
  return missing.length ? `${missing.join(', ')} not installed: run bash test/e2e/setup.sh` : undefined;
}

/** Poll `fn` every `every` ms until it returns something truthy; throw after `ms`. */
export async function poll(fn, what, ms = 30_000, every = 100) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * An isolated code-server profile under `run`: its own XDG dirs, TMPDIR, user data and
 * extensions dir, so nothing of the machine's (or another run's) VS Code state leaks in.
 */
export function profile(run, settings) {
  const p = {
    run,
    userData: join(run, 'user-data'),
    extensions: join(run, 'extensions'),
    env: {
      ...process.env,
      XDG_CONFIG_HOME: join(run, 'xdg', 'config'),
      XDG_DATA_HOME: join(run, 'xdg', 'data'),
      XDG_CACHE_HOME: join(run, 'xdg', 'cache'),
      TMPDIR: join(run, 'tmp'),
    },
  };
  for (const d of [p.userData, p.extensions, p.env.XDG_CONFIG_HOME, p.env.XDG_DATA_HOME, p.env.XDG_CACHE_HOME, p.env.TMPDIR, join(p.userData, 'User')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(p.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  return p;
}

/** `code-server --install-extension` into the profile (under a second). */
export function installExtension(p, vsix) {
  const r = spawnSync(CODE_SERVER, ['--user-data-dir', p.userData, '--extensions-dir', p.extensions, '--install-extension', vsix], { env: p.env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`--install-extension failed (${r.status}): ${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/**
 * Start code-server on 127.0.0.1 in its own process group (setsid: the extension host and
 * the language server outlive a plain kill of the parent) and wait for /healthz.
 */
export async function startCodeServer(p) {
  const port = await freePort();
  const args = [
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', p.userData,
    '--extensions-dir', p.extensions,
  ];
  const child = spawn(CODE_SERVER, args, { env: p.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise((r) => child.once('exit', r));
  await poll(async () => {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}): ${log}`);
    const res = await fetch(`${url}/healthz`);
    return res.ok;
  }, 'code-server /healthz', 30_000, 100);
  return {
    url,
    port,
    get log() {
      return log;
    },
    /** Kill the whole process group (code-server, extension host, our language server). */
    async stop() {
      if (child.exitCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Chromium through playwright-core, as TESTBEDS.md §1 found to work. */
export async function launchBrowser() {
  const { chromium } = require(join(E2E_HOME, 'node_modules', 'playwright-core'));
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}



export { kernelDiff, hunksOf } from '../helpers.mjs';

/**
 * Process ids of the language servers the installed extension runs in profile `p`: node
 * processes whose command line is the profile's copy of `dist/server.js`.
 */
export function serverPids(p) {
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  if (ps.status !== 0) throw new Error(`ps failed: ${ps.stderr}`);
  return ps.stdout
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(.*)$/.exec(l))
    .filter((m) => m && m[2].includes(p.extensions) && /[\\/]dist[\\/]server\.js\b/.test(m[2]))
    .map((m) => Number(m[1]));
}

/**
 * Screenshots the extension page (EXTENSION.md, README.md) and the walkthrough show: the
 * artifact of this run → media/screenshots/ (shipped in the .vsix). Done only when asked
 * (EXT4WP_E2E_SCREENSHOTS=1): a test run does not rewrite tracked files by itself.
 */
export const SHIPPED_SCREENSHOTS = ['hover', 'problems', 'trace', 'scenarios'];

/** Copy {@link SHIPPED_SCREENSHOTS} from the artifacts into media/screenshots/. */
export function shipScreenshots() {
  const to = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'media', 'screenshots');
  mkdirSync(to, { recursive: true });
  for (const name of SHIPPED_SCREENSHOTS) copyFileSync(join(ARTIFACTS, `${name}.png`), join(to, `${name}.png`));
}

/**
 * The workspace: the Debian 6.12 tree (fs/, mm/, arch/ and the Makefile copied, the big
 * include/ linked) with the review `documents` (name → text) in review/. A copy, so nothing the editor
 * does can touch the cache.
 */
export function makeWorkspace(run, k612, documents) {
  const ws = join(run, 'linux-6.12');
  mkdirSync(join(ws, 'review'), { recursive: true });
  for (const d of ['fs', 'mm', 'arch']) cpSync(join(k612, d), join(ws, d), { recursive: true });
  copyFileSync(join(k612, 'Makefile'), join(ws, 'Makefile'));
  symlinkSync(join(k612, 'include'), join(ws, 'include'));
  for (const [name, text] of Object.entries(documents)) writeFileSync(join(ws, 'review', name), text);
  return ws;
}

/** A page of the workbench with the helpers the checks share. */
export function workbench(page) {
  const input = page.locator('.quick-input-widget input');
  /**
   * Open a quick input with `key` and type `text`. Keys reach VS Code only while focus is
   * inside the workbench (else the browser takes Ctrl+P / Ctrl+G), so when the widget does
   * not show up, focus the active editor's tab and try again.
   */
  async function quickInput(key, text) {
    for (let attempt = 0; ; attempt++) {
      await page.keyboard.press('Escape');
      await page.keyboard.press(key);
      try {
        await input.waitFor({ state: 'visible', timeout: 3000 });
        break;
      } catch (err) {
        if (attempt === 3) throw err;
        const tab = page.locator('.tab.active').first();
        if (await tab.count()) await tab.click();
        else await page.locator('.part.editor').first().click();
      }
    }
    await input.fill(text);
  }
  const w = {
    page,
    /** Run a command by its palette title. */
    async command(title) {
      await quickInput('F1', `>${title}`);
      await poll(async () => (await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).count()) > 0, `the palette entry "${title}"`);
      await page.keyboard.press('Enter');
    },
    /** Quick Open a file of the workspace by name and wait for its editor tab. */
    async open(name) {
      // Already open: its tab, clicked, is the surest way back to it.
      const tab = page.locator('.tab', { hasText: name }).first();
      if (await tab.count()) {
        await tab.click();
        await page.locator('.tab.active', { hasText: name }).first().waitFor({ timeout: 15_000 });
        return;
      }
      await quickInput('Control+P', name);
      await poll(async () => (await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).count()) > 0, `Quick Open to list ${name}`);
      await page.keyboard.press('Enter');
      await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 15_000 });
    },
    /** Move the cursor to 1-based `line` of the active editor (Go to Line), which also reveals it. */
    async goToLine(line) {
      await quickInput('Control+G', `:${line}`);
      await page.keyboard.press('Enter');
      await poll(async () => /Ln (\d+)/.exec(await page.locator('[id="status.editor.selection"]').innerText())?.[1] === String(line), `the cursor on line ${line}`);
    },
    /** The screen box of 1-based `line` of the active editor (by its line number in the gutter). */
    async lineBox(line) {
      const editor = page.locator('.editor-group-container.active .monaco-editor').first();
      return poll(async () => {
        const nums = editor.locator('.margin-view-overlays .line-numbers');
        const n = await nums.count();
        for (let i = 0; i < n; i++) {
          if ((await nums.nth(i).innerText()).trim() === String(line)) {
            const num = await nums.nth(i).boundingBox();
            const lines = await editor.locator('.view-lines').boundingBox();
            return num && lines ? { x: lines.x, y: num.y, height: num.height } : undefined;
          }
        }
        return undefined;
      }, `line ${line} on screen`);
    },
    /** The webview frame whose document has `selector` (webviews are nested iframes). */
    async webviewFrame(selector, what) {
      return poll(async () => {
        for (const f of page.frames()) {
          if (f === page.mainFrame()) continue;
          try {
            if ((await f.locator(selector).count()) > 0) return f;
          } catch {
            // a frame navigating away
          }
        }
        return undefined;
      }, what, 30_000, 200);
    },
    /**
     * Show (`open`) or hide the Problems panel, whatever state it is in: Ctrl+Shift+M
     * toggles, and focus in the panel's filter box decides which way, so check and retry.
     */
    async problems(open) {
      const filter = page.locator('.part.panel input[placeholder^="Filter"]').first();
      const shown = async () => (await page.locator('.part.panel').isVisible().catch(() => false)) && (await filter.isVisible().catch(() => false));
      for (let attempt = 0; attempt < 4; attempt++) {
        if ((await shown()) === open) return filter;
        await page.keyboard.press('Escape');
        // Ctrl+J toggles the panel (workbench.action.togglePanel): pressed only while it shows.
        if (open) await page.keyboard.press('Control+Shift+M');
        else if (await page.locator('.part.panel').isVisible().catch(() => false)) await page.keyboard.press('Control+J');
        await poll(async () => (await shown()) === open, `the Problems panel ${open ? 'shown' : 'hidden'}`, 3000).catch(() => undefined);
      }
      if ((await shown()) !== open) throw new Error(`could not ${open ? 'show' : 'hide'} the Problems panel`);
      return filter;
    },
    async shot(name) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
    },
  };
  return w;
}

