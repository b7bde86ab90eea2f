// The extension inside a real VS Code: code-server 4.100.3 (VS Code 1.100.3) on loopback
// with an isolated profile, the packaged .vsix installed with --install-extension, and
// Debian's chromium driven by playwright-core (TESTBEDS.md §1; `bash test/e2e/setup.sh`
// installs them outside the repo). The workspace is the fetched Debian 6.12 tree plus two
// review documents: the real 6.1 → 6.12 diff of fs/ext4/{file,inode}.c reversed (so it
// applies to 6.12) and seed 001, a mail thread quoting a patch, saved as an .mbox.
//
// It checks what a reviewer sees: squiggles, the Problems panel (rows, check codes,
// severities), the hover table, the CodeLens, the trace view ("show trace"), the
// scenarios view with a filter, the status bar, the progress notification, and the
// quoted hunks of the mail. Screenshots go to test/e2e/artifacts/ (one of them is the
// README's picture: docs/images/).
//
// Run with `npm run test:e2e` (packages the .vsix first). Without EXT4WP_E2E=1 it skips:
// it is not part of `npm test`, and .ci/run runs it on its own after installing the bed.
// With EXT4WP_E2E=1 a missing bed skips locally and fails under CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelDir, need, readSeed, ROOT } from '../helpers.mjs';
import { ARTIFACTS, hunksOf, installExtension, kernelDiff, launchBrowser, makeWorkspace, missingTools, poll, profile, startCodeServer, workbench } from './harness.mjs';

const ENABLED = process.env.EXT4WP_E2E === '1';
const VSIX = join(ROOT, 'ext4-write-path.vsix');
const REVERSED = '6.12-to-6.1.diff';
const SEED = '001-atomic-fallback-warn.mbox';
/** Check ids a diagnostic of ours may carry (docs/checks/ plus the change categories). */
const CODES = new Set(['lock-change', 'fallback-change', 'unwritten-change', 'write-path-change', 'patch-problem', 'time-budget', 'atomic-fallback', 'delalloc-leak', 'endio-blocks', 'extend-unwaited', 'lock-imbalance', 'lock-order', 'nowait-blocks', 'orphan-missing', 'stale-data', 'unaligned-shared', 'unwritten-unconverted']);

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

test('the extension in a real VS Code: diagnostics, Problems, hover, CodeLens, trace and scenarios views, mail', { timeout: 180_000 }, async (t) => {
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
  const ws = makeWorkspace(run, k612, { [REVERSED]: diff, [SEED]: seed });
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
    const changedCells = await frame.locator('td.chg').count();
    assert.ok(changedCells > 0, 'cells coloured before → after');
    const visible = async () => (await rows.count()) - (await frame.locator('#ext4wp-matrix tbody tr.hidden').count());
    const changedOnly = await visible();
    assert.ok(changedOnly > 0 && changedOnly < (await rows.count()), 'the hunk\'s changed scenarios by default');
    assert.equal(await frame.locator('#show').inputValue(), 'hunk');
    assert.match(await frame.locator('#hunk option[selected]').innerText(), /@@ -\d+/);
    // Filter by a dimension: only asynchronous writes.
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
    const lenses = page.locator('.editor-group-container.active .codelens-decoration');
    // Whatever the verdict (and even if a loaded machine cuts the analysis short), every
    // quoted @@ gets a lens; the first is on screen when the mail opens.
    await poll(async () => (await lenses.allInnerTexts()).some((x) => x.trim().length > 0), 'lenses on the mail', 90_000);
    // The first quoted copy of the hunk (a reply quoting it with "> ").
    const quoted = seedLines.findIndex((l) => /^> @@ /.test(l));
    assert.ok(quoted > 0);
    await w.goToLine(quoted + 1);
    const box = await w.lineBox(quoted + 3);
    await page.mouse.move(box.x + 60, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'ext4 write path' });
    await hover.first().waitFor({ timeout: 15_000 });
    assert.match(await hover.first().innerText(), /ext4_dio_write_iter/);
    const texts = await lenses.allInnerTexts();
    assert.ok(texts.length > 0);
    await w.shot('mbox');
    await page.mouse.move(5, 450);
  });
  mark('mbox');
  assert.doesNotMatch(cs.log, /Activating extension .*ext4-write-path.* failed/i);
});
