// Renders media/icon.svg (the extension's icon, drawn for this project) to
// media/icon.png, 128×128 with a transparent background, as the Marketplace and VS Code
// want it (package.json `icon` must be a PNG). Uses the e2e bed's chromium and
// playwright-core (bash test/e2e/setup.sh), so no image tool is a project dependency.
// The PNG is committed; run this again after editing the SVG.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, launchBrowser, missingTools } from '../test/e2e/harness.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = 128;

/** Render `svgFile` to a SIZE×SIZE PNG at `pngFile` in headless chromium. */
async function render(svgFile, pngFile) {
  const missing = missingTools();
  if (missing && missing.includes(CHROMIUM)) throw new Error(missing);
  const svg = readFileSync(svgFile, 'utf8');
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
    await page.setContent(`<!DOCTYPE html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: pngFile, omitBackground: true });
  } finally {
    await browser.close();
  }
}

await render(join(ROOT, 'media', 'icon.svg'), join(ROOT, 'media', 'icon.png'));
console.log('media/icon.png');
