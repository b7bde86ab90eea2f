// The extension inside a real VS Code: code-server 4.100.3 (VS Code 1.100.3) on loopback
// with an isolated profile, the packaged .vsix installed with --install-extension, and
// Debian's chromium driven by playwright-core (TESTBEDS.md §1; `bash test/e2e/setup.sh`
// installs them outside the repo). The workspace is the fetched Debian 6.12 tree plus two
// review documents: the real 6.1 → 6.12 diff of fs/ext4/{file,inode}.c reversed (so it
// applies to 6.12) and seed 001, a mail thread quoting a patch, saved as an .mbox.
//
// It checks what a reviewer sees: squiggles, the Problems panel (rows, check codes,
// severities), the hover table (on the hover's first screen, at VS Code's default hover
// size), the CodeLens, a code action of a finding, the trace view ("show trace"), the
// scenarios view (rows readable at the default panel height, a filter), the status bar,
// the progress notification, the quoted hunks of the mail, the walkthrough, diagnostics
// of a patch opened after *Restart Language Server*, and that *Choose Scenario Set…*
// writes nothing into the kernel tree. Screenshots go to test/e2e/artifacts/; with
// EXT4WP_E2E_SCREENSHOTS=1 the ones the extension page and the walkthrough show are also
// copied to media/screenshots/ (harness.mjs SHIPPED_SCREENSHOTS).
//
// Run with `npm run test:e2e` (packages the .vsix first). Without EXT4WP_E2E=1 it skips:
// it is not part of `npm test`, and .ci/run runs it on its own after installing the bed.
// With EXT4WP_E2E=1 a missing bed skips locally and fails under CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelDir, need, readSeed, ROOT } from '../helpers.mjs';
import { ARTIFACTS, hunksOf, installExtension, kernelDiff, launchBrowser, makeWorkspace, missingTools, poll, profile, serverPids, shipScreenshots, startCodeServer, workbench } from './harness.mjs';

const ENABLED = process.env.EXT4WP_E2E === '1';
const VSIX = join(ROOT, 'ext4-write-path.vsix');
const REVERSED = '6.12-to-6.1.diff';
const SEED = '001-atomic-fallback-warn.mbox';
/** The same diff under another name, opened for the first time after the server restarts. */
const AFTER_RESTART = 'restart-check.diff';
/** The reversed diff with one write-path hunk whose context is in no tree: a series that applies in part. */
const HALF = 'half-applied.diff';

/**
 * `diff` with the context lines of its ext4_dio_write_iter() hunk at `header` changed so
 * that it applies nowhere, and only fs/ext4/file.c kept.
 */
function halfApplied(diff, header) {
  const file = diff.slice(0, diff.indexOf('--- a/fs/ext4/inode.c'));
  const at = file.indexOf(header);
  assert.ok(at > 0, `hunk ${header} in the diff`);
  const end = file.indexOf('\n@@ ', at + 1);
  const hunk = file.slice(at, end < 0 ? file.length : end).split('\n').map((l, i) => (i > 0 && l.startsWith(' ') ? ` /* in no tree */ ${l.slice(1)}` : l)).join('\n');
  return file.slice(0, at) + hunk + (end < 0 ? '' : file.slice(end));
}

/**
 * Set workspace settings of the window (`<ws>/.vscode/settings.json`, which VS Code
 * watches; an edit of the user settings file from outside was not picked up by this
 * code-server), or remove them with `undefined`: the folder goes, so the later check that
 * nothing writes into the tree still holds.
 */
function setWorkspaceSettings(ws, settings) {
  const dir = join(ws, '.vscode');
  if (!settings) {
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}
/** Check ids a diagnostic of ours may carry (docs/checks/ plus the change categories). */
const CODES = new Set(['lock-change', 'fallback-change', 'unwritten-change', 'write-path-change', 'patch-problem', 'time-budget', 'cannot-tell', 'warn-reached', 'atomic-fallback', 'delalloc-leak', 'endio-blocks', 'extend-unwaited', 'lock-imbalance', 'lock-order', 'nowait-blocks', 'orphan-missing', 'stale-data', 'unaligned-shared', 'unwritten-unconverted']);

/** User settings of the isolated profile: quick hovers, no distractions, a generous budget. */
const SETTINGS = {
  'workbench.colorTheme': 'Default Light Modern',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.editor.enablePreview': false,
  'editor.hover.delay': 100,
  'editor.hover.sticky': true,
  // Below the hovered line: the @@ line's squiggle and CodeLens above stay in view.
  'editor.hover.above': false,
  'editor.minimap.enabled': false,
  'editor.stickyScroll.enabled': false,
  'editor.fontSize': 13,
  'breadcrumbs.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  // The first analysis also loads the tree; two busy CI cores must not cut it short.
  'ext4WritePath.timeBudget': 30000,
};

/**
 * Drag the sash `selector` (the first whose box passes `which`) by (dx, dy): how a user
 * resizes a hover or a panel.
 */
async function dragSash(page, selector, dx, dy, which = () => true) {
  const boxes = await page.locator(selector).evaluateAll((ss) => ss.map((s) => s.getBoundingClientRect().toJSON()));
  const b = boxes.find(which);
  assert.ok(b, `no sash ${selector}`);
  const x = b.x + b.width / 2;
  const y = b.y + b.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y + dy / 2, { steps: 4 });
  await page.mouse.move(x + dx, y + dy, { steps: 4 });
  await page.mouse.up();
}

test('the extension in a real VS Code: diagnostics, Problems, hover, CodeLens, trace and scenarios views, mail', { timeout: 420_000 }, async (t) => {
  if (!ENABLED) {
    t.skip('end-to-end test: run `npm run test:e2e` (bash test/e2e/setup.sh installs code-server and chromium)');
    return;
  }
  const missing = missingTools();
  if (!need(t, !missing, missing)) return;
  if (!need(t, existsSync(VSIX), `${VSIX} (npm run package)`)) return;
  const k612 = kernelDir('6.12');
  const k61 = kernelDir('6.1');
  if (!need(t, k612 && k61, 'the Debian 6.1 and 6.12 trees (npm run fetch-kernels)')) return;
  const seed = readSeed('001_19eda201be480ccb.txt');
  if (!need(t, seed, 'seed 001 (../shared/seeds)')) return;

  const t0 = Date.now();
  const timings = {};
  const mark = (what) => (timings[what] = Date.now() - t0);
  mkdirSync(ARTIFACTS, { recursive: true });
  const run = mkdtempSync(join(tmpdir(), 'ext4wp-e2e-'));
  const diff = kernelDiff(k612, k61, ['fs/ext4/file.c', 'fs/ext4/inode.c']);
  const ws = makeWorkspace(run, k612, { [REVERSED]: diff, [SEED]: seed, [AFTER_RESTART]: diff, [HALF]: halfApplied(diff, '@@ -510,') });
  const p = profile(run, SETTINGS);
  const installed = installExtension(p, VSIX);
  assert.match(installed, /successfully installed/);
  mark('installed');
  const cs = await startCodeServer(p);
  mark('code-server up');
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close().catch(() => undefined);
    await cs.stop();
    rmSync(run, { recursive: true, force: true });
    console.log(`e2e timings (ms since start): ${JSON.stringify(timings)}`);
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const w = workbench(page);
  /** A subtest that leaves a screenshot of the workbench behind when it fails (for CI logs). */
  const check = (name, fn) =>
    t.test(name, async (st) => {
      try {
        await fn(st);
      } catch (err) {
        await w.shot(`failed-${name.replace(/[^\w]+/g, '-').slice(0, 40)}`).catch(() => undefined);
        throw err;
      }
    });
  await page.goto(`${cs.url}/?folder=${encodeURIComponent(ws)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 30_000 });
  await page.locator('.explorer-folders-view').waitFor({ timeout: 30_000 });
  mark('workbench');

  // The hunks of ext4_dio_write_checks(): the reversed diff takes 6.12's lock rework back out.
  const checksHunks = hunksOf(diff, 'fs/ext4/file.c', readFileSync(join(k61, 'fs/ext4/file.c'), 'utf8'), 'ext4_dio_write_checks');
  assert.ok(checksHunks.length > 0);

  await w.open(REVERSED);
  // Watch for the progress notification while the first analysis (tree load + matrix) runs.
  let sawProgress = false;
  const squiggles = page.locator('.editor-group-container.active .monaco-editor .squiggly-warning');
  await poll(async () => {
    if (!sawProgress) sawProgress = (await page.locator('.notification-toast', { hasText: 'ext4 Write-Path: analysing' }).count()) > 0;
    return (await squiggles.count()) > 0;
  }, 'warning squiggles in the diff', 60_000, 100);
  mark('diagnostics');

  await check('a progress notification for the first (long) analysis', () => {
    assert.ok(sawProgress, 'no "ext4 Write-Path: analysing …" notification was seen');
  });

  await check('status bar: the summary of the active patch', async () => {
    const item = page.locator('.statusbar-item', { hasText: 'ext4:' });
    const text = await poll(async () => {
      const s = (await item.count()) ? await item.first().innerText() : '';
      return /ext4: \d+ hunks changed/.test(s) ? s : undefined;
    }, 'the ext4 status-bar item');
    assert.match(text, /ext4: \d+ hunks changed/);
  });

  /** 1-based lines of the hunks with a lock-change warning, from the Problems panel. */
  let lockLines = [];
  await check('Problems panel: rows with our check codes and severities', async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+M');
    const rows = page.locator('.markers-panel .monaco-list-row');
    await poll(async () => (await rows.count()) > 3, 'Problems rows');
    const seen = await rows.evaluateAll((rs) =>
      rs
        .filter((r) => r.querySelector('.marker-code'))
        .map((r) => ({
          source: r.querySelector('.marker-source')?.textContent ?? '',
          code: r.querySelector('.marker-code')?.textContent ?? '',
          icon: r.querySelector('.marker-icon')?.className ?? '',
          line: Number(/\[Ln (\d+)/.exec(r.querySelector('.marker-line')?.textContent ?? '')?.[1]),
          text: r.querySelector('.marker-message')?.textContent ?? '',
        })),
    );
    const ours = seen.filter((r) => r.source === 'ext4-write-path');
    assert.ok(ours.length > 3, `Problems rows with our codes: ${JSON.stringify(seen)}`);
    const severity = (r) => (/\berror\b/.test(r.icon) ? 'error' : /\bwarning\b/.test(r.icon) ? 'warning' : /\binfo\b/.test(r.icon) ? 'info' : r.icon);
    for (const r of ours) assert.ok(CODES.has(r.code), `unknown check code ${r.code}`);
    const lock = ours.filter((r) => r.code === 'lock-change');
    assert.ok(lock.length > 0, 'a lock-change row');
    assert.ok(lock.every((r) => severity(r) === 'warning'), `lock changes are warnings: ${lock.map(severity)}`);
    assert.ok(lock.some((r) => /shared → exclusive|exclusive → shared/.test(r.text)), 'the row says before → after');
    assert.ok(ours.filter((r) => r.code === 'write-path-change').every((r) => severity(r) === 'info'), 'hunk summaries are information');
    // Invariants the patch fixes (the reversed diff fixes nowait-blocks) are information.
    assert.ok(ours.filter((r) => /^fixes /.test(r.text)).every((r) => severity(r) === 'info'));
    lockLines = lock.map((r) => r.line);
    await w.shot('problems');
    await page.keyboard.press('Control+Shift+M'); // toggle the panel away again
  });

  // A hunk of ext4_dio_write_checks() whose lock behaviour changes, and a line of its body
  // with text to rest the mouse on (an empty line shows no hover).
  const hunkLine = checksHunks.map((l) => l + 1).find((l) => lockLines.includes(l)) ?? checksHunks[0] + 1;
  const diffLines = diff.split('\n');
  const bodyLine = hunkLine + 1 + diffLines.slice(hunkLine, hunkLine + 12).findIndex((l) => l.trim().length > 12);

  await check('CodeLens on the @@ lines', async () => {
    await w.goToLine(bodyLine + 12);
    const lenses = page.locator('.editor-group-container.active .codelens-decoration');
    const texts = await poll(async () => {
      const all = (await lenses.allInnerTexts()).filter(Boolean);
      return all.some((x) => /\d+\/\d+ scenarios change/.test(x)) ? all : undefined;
    }, 'a "N/M scenarios change" lens');
    assert.ok(texts.some((x) => /\d+\/\d+ scenarios change: .*lock ×\d+/.test(x)), texts.join('\n'));
    assert.ok(texts.some((x) => /\|\s*\S*\s*scenarios\s*$/.test(x)), `a "scenarios" lens next to the summary: ${texts.join(' || ')}`);
  });

  /**
   * The hover's first screen (its box, unscrolled) shows the table first: the table starts
   * on it, above the diagnostics VS Code adds to the same hover, with its header and first
   * three rows whole. Returns whether the whole table fits too (logged, not required: ten
   * grouped rows are taller than VS Code's default hover).
   */
  async function tableOnFirstScreen(hover, where) {
    const table = hover.locator('table').first();
    await table.waitFor({ timeout: 15_000 });
    const hoverBox = await hover.boundingBox();
    const tableBox = await table.boundingBox();
    assert.ok(hoverBox && tableBox, 'hover and table on screen');
    const bottom = hoverBox.y + hoverBox.height + 1;
    const rows = await table.locator('tr').evaluateAll((trs) => trs.map((tr) => tr.getBoundingClientRect().toJSON()));
    const first = rows.slice(0, Math.min(rows.length, 4)); // the header row and three data rows
    assert.ok(tableBox.y >= hoverBox.y - 1, 'the table starts inside the hover');
    assert.ok(first.every((r) => r.y + r.height <= bottom), `header and first rows on the first screen: rows end at ${first.map((r) => Math.round(r.y + r.height - hoverBox.y))}, hover height ${Math.round(hoverBox.height)}`);
    const markers = await hover.locator('.marker').evaluateAll((ms) => ms.map((m) => m.getBoundingClientRect().y));
    assert.ok(markers.every((y) => y > tableBox.y), 'the table comes before the diagnostics');
    const whole = tableBox.y + tableBox.height <= bottom;
    console.log(`hover at ${where}: table y ${Math.round(tableBox.y - hoverBox.y)}..${Math.round(tableBox.y + tableBox.height - hoverBox.y)} in a ${Math.round(hoverBox.width)}×${Math.round(hoverBox.height)} hover: ${whole ? 'all of it' : 'not all of it'} on the first screen`);
    return whole;
  }

  await check('hover on the @@ line at the default hover size: the table on its first screen, before the diagnostics', async () => {
    // The profile is fresh: VS Code has no hover size remembered. The @@ line also carries
    // the hunk's diagnostics, which VS Code shows in the same hover.
    await w.goToLine(hunkLine + 14);
    const box = await w.lineBox(hunkLine);
    await page.mouse.move(box.x + 60, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'ext4 write path' }).first();
    await hover.waitFor({ timeout: 15_000 });
    await tableOnFirstScreen(hover, 'the @@ line');
    await w.shot('hover-default-size');
    await page.mouse.move(5, 450);
    await page.keyboard.press('Escape');
    await poll(async () => (await page.locator('.monaco-hover:not(.hidden)', { hasText: 'ext4 write path' }).count()) === 0, 'the hover gone');
  });

  await check('hover on a hunk line: the grouped table, legend and links', async () => {
    const box = await w.lineBox(bodyLine);
    await page.mouse.move(box.x + 60, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'ext4 write path' }).first();
    await hover.waitFor({ timeout: 15_000 });
    const table = hover.locator('table').first();
    const headers = (await table.locator('th').allInnerTexts()).map((x) => x.trim());
    assert.deepEqual(headers, ['#', 'what changed: before → after', 'example']);
    const rows = await table.locator('tbody tr').allInnerTexts();
    assert.ok(rows.length >= 2 && rows.length <= 10, `${rows.length} rows`);
    assert.match(rows.at(-1), /unchanged/);
    assert.ok(rows.some((r) => /lock (shared|exclusive) → (exclusive|shared)/.test(r)), `a lock change in the table: ${rows.join(' | ')}`);
    // Before/after coloured (HTML in hovers is on for this client), links are command links.
    assert.ok((await hover.locator('span[style*="color"]').count()) > 0, 'coloured before/after');
    const text = await hover.innerText();
    assert.match(text, /\d+ of \d+ scenarios that run this code change, \d+ unchanged/);
    assert.match(text, /Legend:/);
    const links = await hover.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('data-href') ?? a.getAttribute('href') ?? ''));
    assert.ok(links.some((l) => l.startsWith('command:ext4WritePath.showTrace')), `trace links: ${links.join(' ')}`);
    assert.ok(links.some((l) => l.startsWith('command:ext4WritePath.showScenarios')), 'a scenarios-view link');
    assert.ok(links.some((l) => l.startsWith('command:ext4WritePath.openLocation')), 'deciding-line links');
    // A reviewer drags a hover this rich bigger (VS Code keeps the size): do the same, so
    // the screenshot shows the whole table, the legend and the links.
    await dragSash(page, '.monaco-resizable-hover .monaco-sash.orthogonal-edge-south:not(.disabled)', 0, 330);
    await dragSash(page, '.monaco-resizable-hover .monaco-sash.vertical:not(.disabled)', 220, 0);
    await poll(async () => ((await hover.boundingBox())?.height ?? 0) > 300, 'the resized hover');
    await w.shot('hover');
    await page.mouse.move(5, 450);
    await page.keyboard.press('Escape');
  });
  mark('hover');

  await check('a code action of a finding: Go to the deciding line', async () => {
    await w.goToLine(hunkLine);
    const items = page.locator('.action-widget .monaco-list-row');
    // Ctrl+. asks for the code actions of the cursor's line: the @@ line carries the finding.
    const ours = async () => (await items.allInnerTexts()).some((x) => /Go to the deciding line/.test(x));
    await poll(async () => {
      if (await ours()) return true;
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+.');
      await page.locator('.action-widget .monaco-list-row').first().waitFor({ timeout: 3000 });
      return ours();
    }, 'the quick-fix menu with our actions', 30_000, 250);
    const titles = (await items.allInnerTexts()).map((x) => x.trim());
    assert.ok(titles.some((x) => /^Show the trace \(.+, (after|before) the patch\)/.test(x)), titles.join(' | '));
    await w.shot('code-action');
    const go = titles.find((x) => /^Go to the deciding line \((?:.*\/)?(file|inode)\.c:\d+\)$/.test(x)) ?? titles.find((x) => /^Go to the deciding line/.test(x));
    const inTree = /^Go to the deciding line \((?:.*\/)?(file|inode)\.c:(\d+)\)$/.exec(go);
    // The keyboard, as a user of the menu would: the mouse is under VS Code's pointer block.
    for (let i = 0; i < titles.length; i++) {
      const focused = (await page.locator('.action-widget .monaco-list-row.focused').innerText()).trim();
      if (focused === go) break;
      await page.keyboard.press('ArrowDown');
    }
    assert.equal((await page.locator('.action-widget .monaco-list-row.focused').innerText()).trim(), go);
    await page.keyboard.press('Enter');
    if (inTree) {
      // The tree's C file, at the deciding line.
      await poll(async () => (await page.locator('.tab.active').innerText()).trim().startsWith(`${inTree[1]}.c`), `${inTree[1]}.c opened`);
      await poll(async () => /Ln (\d+)/.exec(await page.locator('[id="status.editor.selection"]').innerText())?.[1] === inTree[2], `the cursor on line ${inTree[2]}`);
      await page.keyboard.press('Control+W');
    } else {
      // A line the patch adds: the cursor moves within the patch.
      await poll(async () => /Ln (\d+)/.exec(await page.locator('[id="status.editor.selection"]').innerText())?.[1] !== String(hunkLine), 'the cursor moved to the deciding line in the patch');
    }
    await page.locator('.tab.active', { hasText: REVERSED }).waitFor({ timeout: 15_000 });
  });

  await check('"Show Scenario Trace" opens the trace view: outcome, path picture, decision flow', async () => {
    await w.goToLine(bodyLine);
    await w.command('ext4 Write-Path: Show Scenario Trace for Hunk');
    const frame = await w.webviewFrame('#ext4wp-trace', 'the trace view');
    await poll(async () => (await frame.locator('svg.callpath .node').count()) > 3, 'boxes in the path picture');
    const names = await frame.locator('svg.callpath .node text').allTextContents();
    assert.ok(names.some((n) => n.startsWith('ext4_file_write_iter()')), names.join(', '));
    assert.ok(names.some((n) => n.startsWith('ext4_dio_write_checks()')), 'the hunk’s function is on the path');
    assert.ok((await frame.locator('svg.callpath .node.touched').count()) > 0, 'the touched function is highlighted');
    assert.ok((await frame.locator('li.step.branch').count()) > 5, 'branch steps in the flow');
    assert.ok((await frame.locator('.diverges').count()) > 0, 'where before and after part is marked');
    assert.ok((await frame.locator('a.loc[data-uri]').count()) > 5, 'C locations are links');
    assert.ok((await frame.locator('table.outcome tr.chg').count()) > 0, 'the outcome shows what changed');
    await page.locator('.tab', { hasText: 'ext4 trace:' }).first().waitFor();
    await w.shot('trace');
    // The other side, through the view's own switch.
    await frame.locator('button[data-side="before"]').click();
    await poll(async () => (await page.locator('.tab', { hasText: '(before)' }).count()) > 0, 'the before-side trace');
    await page.keyboard.press('Control+W');
  });
  mark('trace');

  await check('"Write-path scenarios" view: the matrix coloured before → after, filters', async () => {
    await w.goToLine(bodyLine);
    await w.command('ext4 Write-Path: Show Write-Path Scenarios');
    const frame = await w.webviewFrame('#ext4wp-matrix', 'the scenarios view');
    const rows = frame.locator('#ext4wp-matrix tbody tr');
    await poll(async () => (await rows.count()) > 10, 'matrix rows');
    // At the panel's default height the table, not the header, gets the room.
    const readable = await frame.locator('#ext4wp-matrix').evaluate((table) => {
      const top = table.querySelector('thead').getBoundingClientRect().bottom;
      const shown = [...table.querySelectorAll('tbody tr')].filter((tr) => !tr.classList.contains('hidden'));
      const whole = shown.filter((tr) => {
        const r = tr.getBoundingClientRect();
        return r.top >= top - 1 && r.bottom <= window.innerHeight + 1;
      });
      return { whole: whole.length, shown: shown.length, height: window.innerHeight };
    });
    assert.ok(readable.whole >= Math.min(6, readable.shown), `rows readable at the default panel height: ${JSON.stringify(readable)}`);
    await w.shot('scenarios-default-height');
    const changedCells = await frame.locator('td.chg').count();
    assert.ok(changedCells > 0, 'cells coloured before → after');
    const visible = async () => (await rows.count()) - (await frame.locator('#ext4wp-matrix tbody tr.hidden').count());
    const changedOnly = await visible();
    assert.ok(changedOnly > 0 && changedOnly < (await rows.count()), 'the hunk\'s changed scenarios by default');
    assert.equal(await frame.locator('#show').inputValue(), 'hunk');
    assert.match(await frame.locator('#hunk option[selected]').innerText(), /@@ -\d+/);
    // Filter by a dimension: only asynchronous writes (the dimension filters fold out).
    assert.ok(!(await frame.locator('select.dim[data-dim="aio"]').isVisible()), 'dimension filters folded away by default');
    await frame.locator('#more').click();
    await frame.locator('select.dim[data-dim="aio"]').waitFor({ state: 'visible' });
    await frame.locator('select.dim[data-dim="aio"]').selectOption('yes');
    const aio = await visible();
    assert.ok(aio > 0 && aio < changedOnly, `AIO filter: ${aio} of ${changedOnly}`);
    assert.match(await frame.locator('#count').innerText(), new RegExp(`showing ${aio} of`));
    await frame.locator('select.dim[data-dim="aio"]').selectOption('');
    await poll(async () => (await visible()) === changedOnly, 'the filter reset');
    // Room for the table: no side bar, and the panel dragged up over half the editor.
    await page.keyboard.press('Control+B');
    const panel = await page.locator('.part.panel').boundingBox();
    await dragSash(page, '.monaco-grid-view .monaco-sash.horizontal', 0, -280, (b) => Math.abs(b.y + b.height / 2 - panel.y) < 6);
    await w.goToLine(hunkLine);
    await w.shot('scenarios');
    // Back to a full-height editor with the side bar for the next check.
    await page.keyboard.press('Control+B');
    await page.keyboard.press('Control+J');
    await poll(async () => !(await page.locator('.part.panel').isVisible()), 'the panel closed');
  });
  mark('scenarios');

  await check('seed 001 as an .mbox: annotations at the quoted hunks', async () => {
    await w.open(SEED);
    const seedLines = seed.split(/\r\n|\r|\n/);
    await w.goToLine(seedLines.findIndex((l) => /^(> ?)*@@ /.test(l)) + 8);
    // The mail is analysed when its status (not busy) shows in the status bar; whatever the
    // verdict, its quoted hunks then have hovers. (Lenses only where something changes:
    // ext4WritePath.codeLens is `changes` by default.)
    await poll(async () => {
      const item = page.locator('.statusbar-item', { hasText: 'ext4:' });
      const text = (await item.count()) ? await item.first().innerText() : '';
      return /ext4: (no write-path change|\d+ hunks? changed|no hunks)/.test(text);
    }, 'the mail analysed (status bar)', 90_000);
    // The first quoted copy of the hunk (a reply quoting it with "> ").
    const quoted = seedLines.findIndex((l) => /^> @@ /.test(l));
    assert.ok(quoted > 0);
    await w.goToLine(quoted + 1);
    const box = await w.lineBox(quoted + 3);
    await page.mouse.move(box.x + 60, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'ext4 write path' });
    await hover.first().waitFor({ timeout: 15_000 });
    assert.match(await hover.first().innerText(), /ext4_dio_write_iter/);
    await w.shot('mbox');
    await page.mouse.move(5, 450);
  });
  mark('mbox');

  await check("the walkthrough opens: its four steps and the first step's page", async () => {
    await w.command('ext4 Write-Path: Open Walkthrough');
    const container = page.locator('.gettingStartedContainer');
    await container.filter({ hasText: 'Review an ext4 write-path patch' }).waitFor({ timeout: 15_000 });
    const steps = container.locator('button.getting-started-step');
    const ids = await steps.evaluateAll((bs) => bs.map((b) => b.getAttribute('data-step-id')?.split('#').pop()));
    assert.deepEqual(ids, ['kernelTree', 'openPatch', 'hover', 'trace']);
    const titles = (await steps.locator('.step-title').allInnerTexts()).map((x) => x.trim());
    assert.deepEqual(titles, ['Pick a kernel tree, or fetch one', 'Open a patch', 'Read a hover', 'Open a trace']);
    // Which steps VS Code marks done is logged, not asserted: in this code-server the marks
    // did not follow the completion events (not even onCommand), see the report of issue 15.
    const checked = async (id) => (await container.locator(`button.getting-started-step[data-step-id$="${id}"][aria-checked="true"]`).count()) > 0;
    console.log(`walkthrough steps checked: ${JSON.stringify(Object.fromEntries(await Promise.all(['kernelTree', 'openPatch', 'hover', 'trace'].map(async (id) => [id, await checked(id)]))))}`);
    // The first step shows its page (markdown media, a webview) next to the list, with its buttons.
    await container.locator('button.getting-started-step[data-step-id$="kernelTree"]').click();
    await container.locator('a.button-link, .button-container a, button', { hasText: 'Pick Kernel Tree' }).first().waitFor({ timeout: 15_000 });
    await w.webviewFrame('text=The tree a patch is simulated against', 'the walkthrough step page');
    await w.shot('walkthrough');
    await page.keyboard.press('Control+W');
  });
  mark('walkthrough');

  await check('Restart Language Server: a patch opened afterwards gets its squiggles and Problems rows', async () => {
    const before = serverPids(p);
    assert.equal(before.length, 1, `one language server runs: ${before}`);
    await w.command('ext4 Write-Path: Restart Language Server');
    await poll(() => {
      const now = serverPids(p);
      return now.length === 1 && !before.includes(now[0]);
    }, 'a new language server process instead of the old one', 30_000, 200);
    // Opened for the first time now, and never left: no tab switch helps the diagnostics along.
    await w.open(AFTER_RESTART);
    const fresh = page.locator('.editor-group-container.active .monaco-editor .squiggly-warning');
    await poll(async () => (await fresh.count()) > 0, `warning squiggles in ${AFTER_RESTART} after the restart`, 90_000, 200);
    assert.equal((await page.locator('.tab.active').innerText()).trim().split('\n')[0], AFTER_RESTART, 'still the same tab');
    // The Problems panel, filtered to that file (its rows may be below the other files').
    await page.keyboard.press('Control+Shift+M');
    const filter = page.locator('.part.panel input[placeholder^="Filter"]').first();
    await filter.fill(AFTER_RESTART);
    const rows = page.locator('.markers-panel .monaco-list-row');
    await poll(async () => {
      const texts = await rows.allInnerTexts();
      return texts.some((x) => x.includes(AFTER_RESTART)) && texts.some((x) => /lock: (shared|exclusive) → /.test(x));
    }, `Problems rows of ${AFTER_RESTART}`, 30_000);
    await w.shot('after-restart');
    await filter.fill('');
    await page.keyboard.press('Control+Shift+M');
  });
  mark('restart');

  /** The ext4 status-bar text once it matches `re`. */
  const statusMatching = (re, what, ms = 90_000) =>
    poll(async () => {
      const item = page.locator('.statusbar-item', { hasText: 'ext4:' });
      const text = (await item.count()) ? await item.first().innerText() : '';
      return re.test(text) ? text : undefined;
    }, what, ms);
  /** Problems rows (text) of the current filter that contain `text`. */
  const problemRows = async (filterText, want) => {
    const filter = await w.problems(true);
    await filter.fill(filterText);
    const rows = page.locator('.markers-panel .monaco-list-row');
    const got = await poll(async () => {
      const texts = await rows.allInnerTexts();
      return want.every((re) => texts.some((x) => re.test(x))) ? texts : undefined;
    }, `Problems rows ${want.join(', ')} for "${filterText}"`, 60_000);
    await filter.fill('');
    await w.problems(false);
    return got;
  };

  await check('counts agree: the status bar and the Problems panel say what `review --format json` says', async () => {
    const cli = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'review', join(ws, 'review', REVERSED), '--kernel', ws, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.ok(cli.status === 0 || cli.status === 1, cli.stderr);
    const j = JSON.parse(cli.stdout);
    const hunks = j.files.flatMap((f) => f.hunks);
    const changed = hunks.filter((h) => h.scenariosChanged > 0).length;
    // One Problems row per hunk and check for what the patch breaks or fixes (issue 13 §3).
    const perHunk = (status) => new Set(hunks.flatMap((h) => h.findings.filter((f) => f.status === status).map((f) => `${h.key} ${f.code}`))).size;
    await w.problems(false);
    await w.open(REVERSED);
    const status = await statusMatching(/ext4: \d+ hunks? changed/, `the status bar of ${REVERSED}`);
    assert.match(status, new RegExp(`ext4: ${changed} hunks? changed`), `status bar "${status}", CLI ${changed} hunks changed`);
    const filter = await w.problems(true);
    const rows = page.locator('.markers-panel .monaco-list-row');
    const count = async (text) => {
      await filter.fill(text.trim());
      // The filter applies after a short debounce: wait for the rows to settle.
      let last = -1;
      return poll(async () => {
        // This document's rows only (restart-check.diff holds the same diff): the marker rows
        // (tree level 2) under its file row (level 1). A row of ours starts with its message
        // ("fixes nowait-blocks: …"); a hunk summary mentioning "fixes" midway is another.
        const tree = await rows.evaluateAll((rs) => rs.map((r) => ({ level: r.getAttribute('aria-level'), text: r.innerText })));
        let mine = false;
        let n = 0;
        for (const r of tree) {
          if (r.level === '1') mine = r.text.includes(REVERSED);
          else if (mine && r.text.trimStart().startsWith(text)) n++;
        }
        const settled = n === last;
        last = n;
        return settled ? n + 1 : undefined;
      }, `Problems rows matching "${text}"`, 15_000, 400).then((n) => n - 1);
    };
    assert.equal(await count('fixes '), perHunk('fixed'), 'one "fixes" row per hunk and check, as in the JSON');
    assert.equal(await count('breaks '), perHunk('new'), 'one "breaks" row per hunk and check, as in the JSON');
    await filter.fill('');
    await w.problems(false);
  });


  await check('degraded looks degraded: a series that applies in part says which hunk did not apply and what cannot be told', async () => {
    await w.problems(false);
    await w.open(HALF);
    const text = await statusMatching(/did not apply/, `the status bar of ${HALF}`);
    assert.match(text, /1 hunk did not apply; cannot tell for \d+ scenarios/);
    await problemRows('did not apply', [/@@ -510,\d+ \+\d+,\d+ @@: did not apply/]);
    await problemRows('cannot tell', [/cannot tell for \d+ scenarios?: hunk fs\/ext4\/file\.c @@ -510/]);
    await w.shot('degraded-half-applied');
  });
  mark('half-applied');

  await check('degraded looks degraded: a kernelVersion the tree\'s Makefile contradicts is not used, and says so', async () => {
    await w.problems(false);
    await w.open(REVERSED);
    setWorkspaceSettings(ws, { 'ext4WritePath.kernelVersion': '2.6.31' });
    try {
      await statusMatching(/kernelVersion setting not used/, 'the status bar says the setting is not used');
      await problemRows('contradicts', [/profile 2\.6\.31 contradicts the tree: its Makefile says 6\.12\.\d+/]);
      await w.shot('degraded-profile');
    } finally {
      setWorkspaceSettings(ws, {});
    }
    // (The item's text starts with its icon.)
    await statusMatching(/ext4: \d+ hunks? changed(?!.*not used)/, 'the status bar back to normal');
  });
  mark('profile');

  await check('degraded looks degraded: an exhausted time budget says "incomplete: N of M scenarios", never "no change"', async () => {
    await w.problems(false);
    await w.open(REVERSED);
    setWorkspaceSettings(ws, { 'ext4WritePath.timeBudget': 1 });
    try {
      const text = await statusMatching(/incomplete: \d+ of \d+ scenarios \(time budget\)/, 'an incomplete status');
      assert.doesNotMatch(text, /no write-path change/);
      await problemRows('incomplete', [/incomplete: \d+ of \d+ scenarios simulated/]);
      await w.shot('degraded-budget');
    } finally {
      setWorkspaceSettings(ws, {});
    }
    await statusMatching(/ext4: \d+ hunks? changed(?!.*incomplete)/, 'the status bar back to complete');
  });
  mark('budget');
  // The degraded checks' workspace settings go, whatever happened in them.
  setWorkspaceSettings(ws, undefined);

  await check('Choose Scenario Set writes nothing into the kernel tree: the choice goes to the user settings', async () => {
    await w.command('ext4 Write-Path: Choose Scenario Set');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'The 80-scenario direct-IO grid' }).waitFor({ timeout: 15_000 });
    await input.fill('core');
    await poll(async () => (await page.locator('.quick-input-list .monaco-list-row').allInnerTexts()).map((x) => x.trim()).join('|').startsWith('core'), 'core first in the list');
    await page.keyboard.press('Enter');
    // User settings: code-server is a remote window, where VS Code keeps a machine-scoped
    // setting's user value in the machine's settings (Machine/), not in User/.
    const files = [join(p.userData, 'User', 'settings.json'), join(p.userData, 'Machine', 'settings.json')];
    const saved = () => files.some((f) => existsSync(f) && /"ext4WritePath\.scenarios":\s*"core"/.test(readFileSync(f, 'utf8')));
    await poll(saved, 'ext4WritePath.scenarios = core in the user settings', 30_000).catch((err) => {
      throw new Error(`${err.message}; .vscode in the tree: ${existsSync(join(ws, '.vscode')) ? readFileSync(join(ws, '.vscode', 'settings.json'), 'utf8') : 'none'}`);
    });
    await page.locator('.notification-toast', { hasText: 'saved in user settings' }).first().waitFor({ timeout: 15_000 });
    assert.ok(!existsSync(join(ws, '.vscode')), 'no .vscode/ in the kernel tree');
  });

  if (process.env.EXT4WP_E2E_SCREENSHOTS === '1') shipScreenshots();
  assert.doesNotMatch(cs.log, /Activating extension .*ext4-write-path.* failed/i);
});
