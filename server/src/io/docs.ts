import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Base URI of docs/checks/ for diagnostics' `codeDescription`: `EXT4WP_DOCS_BASE` if set,
 * else the docs folder of this checkout / installed extension (next to dist/).
 */
export function docsBase(from: string = __dirname): string {
  if (process.env.EXT4WP_DOCS_BASE) return process.env.EXT4WP_DOCS_BASE;
  for (const dir of [join(from, '..', 'docs', 'checks'), join(from, '..', '..', 'docs', 'checks'), join(from, '..', '..', '..', 'docs', 'checks')]) {
    if (existsSync(dir)) return `${pathToFileURL(dir).href}/`;
  }
  return `${pathToFileURL(join(from, '..', 'docs', 'checks')).href}/`;
}
