/**
 * The path a scenario took through the write-path functions, as an SVG picture: one box
 * per call (C functions interpreted from the tree) or model step (the TypeScript kernel
 * model standing in for iomap, the extent tree, …), laid out as a call tree from
 * `ext4_file_write_iter()` down. Pure: text in, SVG text out — no VS Code, no DOM — so it
 * can be checked without an editor.
 */
import type { TraceStepView } from '../../server/src/protocol';
import { escapeHtml } from './html';

/** One box of the picture. */
export interface PathNode {
  /** Function name (`ext4_dio_write_iter`) or modelled kernel function (`iomap_dio_rw`). */
  name: string;
  kind: 'c' | 'model';
  depth: number;
  /** What the call returned, when the trace says. */
  result?: string;
  /** Where the call is, for a click to open. */
  target?: TraceStepView['target'];
  /** `file:line` shown in the tooltip. */
  where?: string;
  /** Repeated consecutive calls folded into this box. */
  count: number;
  /** This call, or a decision made directly in it, is where this side's run differs from the other side's. */
  diverges: boolean;
}

/** Boxes drawn at most; a long run is cut with a note (a picture of 400 boxes helps nobody). */
const MAX_NODES = 48;
/** Characters of a return value shown next to a box. */
const MAX_RESULT = 40;
const ROW = 26;
const BOX_H = 20;
const INDENT = 22;
const CHAR_W = 7;
const PAD = 8;

function shortResult(r: string): string {
  return r.length > MAX_RESULT ? `${r.slice(0, MAX_RESULT - 1)}…` : r;
}

/** The first identifier of a model step's text: the kernel function the model stands for. */
function modelName(text: string): string | undefined {
  return /^([A-Za-z_]\w*)\s*\(/.exec(text)?.[1];
}

/**
 * The boxes of a trace: each call step, each model step that names a kernel function
 * (`iomap_dio_rw(…)`, `ext4_map_blocks(…)`), with the value the call returned (its
 * function's `return` step at the callee's depth). Consecutive identical calls at the
 * same depth fold into one box with a count.
 */
export function pathNodes(steps: readonly TraceStepView[]): PathNode[] {
  const nodes: PathNode[] = [];
  /** Open calls by depth of their body, to attach return values and divergence. */
  const open: PathNode[] = [];
  for (const st of steps) {
    // A step at depth d is inside the call opened at depth d - 1 (calls record their own depth).
    while (open.length && open[open.length - 1].depth >= st.depth) open.pop();
    // Only the function the differing step is in, not its callers: the picture should point
    // at where the paths part, not paint the whole chain above it.
    if (st.diverges && st.kind !== 'call' && open.length && open[open.length - 1].depth === st.depth - 1) open[open.length - 1].diverges = true;
    if (st.kind === 'return' && open.length && open[open.length - 1].depth === st.depth - 1) {
      open[open.length - 1].result ??= st.result;
      continue;
    }
    let node: PathNode | undefined;
    if (st.kind === 'call') {
      node = { name: st.fn, kind: 'c', depth: st.depth, target: st.target, where: st.line ? `${st.file.replace(/~[\w-]+$/, '')}:${st.line}` : undefined, count: 1, diverges: !!st.diverges };
    } else if (st.kind === 'model') {
      const name = modelName(st.text);
      if (name) node = { name, kind: 'model', depth: st.depth, result: st.result, where: st.cite, count: 1, diverges: !!st.diverges };
    }
    if (!node) continue;
    const last = nodes[nodes.length - 1];
    if (last && last.name === node.name && last.depth === node.depth && last.kind === node.kind && node.kind === 'model') {
      last.count++;
      last.diverges ||= node.diverges;
      continue;
    }
    nodes.push(node);
    if (node.kind === 'c') open.push(node);
  }
  return nodes;
}

/** Options of {@link callPathSvg}. */
export interface PathSvgOptions {
  /** Functions the hunk touches: drawn with a thick accent border. */
  highlight?: readonly string[];
  /** Accessible title of the picture. */
  title?: string;
}

/**
 * The call path as an SVG document fragment (`<svg …>…</svg>`). Colours come from the
 * webview's theme variables (the picture is inlined in a webview), so it follows light
 * and dark themes. Boxes with a target carry `data-uri` / `data-line` for the webview's
 * click handler.
 */
export function callPathSvg(steps: readonly TraceStepView[], o: PathSvgOptions = {}): string {
  const all = pathNodes(steps);
  const nodes = all.slice(0, MAX_NODES);
  const highlight = new Set(o.highlight ?? []);
  const minDepth = Math.min(...nodes.map((n) => n.depth), 0);
  const x = (n: PathNode) => PAD + (n.depth - minDepth) * INDENT;
  const label = (n: PathNode) => `${n.name}${n.kind === 'c' ? '()' : ''}${n.count > 1 ? ` ×${n.count}` : ''}`;
  const width = (n: PathNode) => label(n).length * CHAR_W + 16;
  const parts: string[] = [];
  // Elbow edges: from each box down the left side of its caller's column to the box.
  nodes.forEach((n, i) => {
    for (let j = i - 1; j >= 0; j--) {
      const p = nodes[j];
      if (p.depth < n.depth && p.kind === 'c') {
        const px = x(p) + 8;
        const py = j * ROW + PAD + BOX_H;
        const cy = i * ROW + PAD + BOX_H / 2;
        parts.push(`<path class="edge${n.diverges ? ' diverges' : ''}" d="M${px} ${py} V${cy} H${x(n)}"/>`);
        break;
      }
    }
  });
  nodes.forEach((n, i) => {
    const y = i * ROW + PAD;
    const cls = ['node', n.kind, highlight.has(n.name) ? 'touched' : '', n.diverges ? 'diverges' : '', n.target ? 'link' : ''].filter(Boolean).join(' ');
    const data = n.target ? ` data-uri="${escapeHtml(n.target.uri)}" data-line="${n.target.line}"` : '';
    const tip = [label(n), n.kind === 'model' ? 'kernel model' : 'C', n.where, n.result !== undefined ? `returns ${n.result}` : '', n.diverges ? 'differs from the other side' : ''].filter(Boolean).join(' · ');
    parts.push(`<g class="${cls}"${data}><title>${escapeHtml(tip)}</title>`);
    parts.push(`<rect x="${x(n)}" y="${y}" rx="4" width="${width(n)}" height="${BOX_H}"/>`);
    parts.push(`<text x="${x(n) + 8}" y="${y + 14}">${escapeHtml(label(n))}</text>`);
    if (n.result !== undefined) parts.push(`<text class="ret" x="${x(n) + width(n) + 6}" y="${y + 14}">→ ${escapeHtml(shortResult(n.result))}</text>`);
    parts.push('</g>');
  });
  if (all.length > nodes.length) parts.push(`<text class="more" x="${PAD}" y="${nodes.length * ROW + PAD + 14}">… ${all.length - nodes.length} more calls (see the steps below)</text>`);
  const w = Math.max(240, ...nodes.map((n) => x(n) + width(n) + 16 + (n.result !== undefined ? (shortResult(n.result).length + 2) * CHAR_W : 0)));
  const h = (nodes.length + (all.length > nodes.length ? 1 : 0)) * ROW + PAD * 2;
  const title = o.title ? `<title>${escapeHtml(o.title)}</title>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" class="callpath" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img">${title}${parts.join('')}</svg>`;
}
