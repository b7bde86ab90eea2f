import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { TraceResponse } from '../../server/src/protocol';
import { TRACE_SCRIPT, TRACE_STYLE, traceBody, webviewPage } from './html';

/** URI scheme of the read-only trace documents. */
export const TRACE_SCHEME = 'ext4wp-trace';

/**
 * Traces kept for re-reading. A markdown preview may re-read its document after the
 * text model was dropped, so traces are not deleted on close; a small bound keeps a long
 * session from holding every trace it ever showed.
 */
const MAX_TRACES = 32;

/**
 * Read-only virtual documents holding scenario traces (markdown from the server's
 * `ext4WritePath.server.trace`). Virtual documents cannot be edited or saved, which is
 * what a simulation result should be. Register it with
 * `workspace.registerTextDocumentContentProvider(TRACE_SCHEME, …)`.
 */
export class TraceDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when a trace shown before is replaced, so an open preview refreshes. */
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return (
      this.contents.get(uri.toString()) ??
      '*This trace is no longer held. Run **ext4 Write-Path: Show Scenario Trace for Hunk…** again.*\n'
    );
  }

  /**
   * Stores a trace and returns the URI to open it at. The path (the tab title) names the
   * source file, line, scenario and side; the query carries the full source URI so two
   * `0001-….patch` files in different folders get different documents.
   */
  put(source: vscode.Uri, line: number, trace: TraceResponse): vscode.Uri {
    const base = source.path.split('/').pop() || 'untitled';
    const scenario = trace.scenario.replace(/[\\/]+/g, '-');
    const uri = vscode.Uri.from({
      scheme: TRACE_SCHEME,
      path: `/${base} L${line + 1} ${scenario} (${trace.side}).md`,
      query: source.toString(),
    });
    const key = uri.toString();
    this.contents.delete(key); // re-insert: Map order is the eviction order
    this.contents.set(key, trace.markdown);
    while (this.contents.size > MAX_TRACES) this.contents.delete(this.contents.keys().next().value as string);
    this.changed.fire(uri);
    return uri;
  }

  dispose(): void {
    this.changed.dispose();
    this.contents.clear();
  }
}

/**
 * Opens a trace document rendered by the built-in markdown preview, or as plain markdown
 * text when that extension is disabled or refuses the document.
 */
export async function openTrace(uri: vscode.Uri): Promise<void> {
  const commands = await vscode.commands.getCommands(true);
  if (commands.includes('markdown.showPreview')) {
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
      return;
    } catch {
      // fall through to the text editor
    }
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: true });
}

/** Messages the trace webview posts (html.ts TRACE_SCRIPT). */
type PanelMessage = { type: 'open'; uri: string; line: number } | { type: 'side'; side: 'before' | 'after' } | { type: 'trace'; scenario: string };

/** What the trace panel needs from the extension around it. */
export interface TracePanelHost {
  /** Ask the server for a trace (null: none there). */
  requestTrace(uri: vscode.Uri, line: number, scenario: string | undefined, side: 'before' | 'after' | undefined): Promise<TraceResponse | null>;
  /** Open a C location (a step's `target`). */
  openLocation(uri: string, line: number): Promise<void>;
}

/**
 * The trace view: one webview panel, reused, showing one scenario of one hunk — its
 * outcome before and after, the path it took through the write-path functions (SVG) and
 * its decision steps as a flow with C locations. Buttons switch side and scenario; a
 * click on a location opens the C (in the tree, or the patch line that adds it).
 */
export class TracePanel implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  /** What the panel shows: the document and hunk line it was asked for, and the answer. */
  private shown?: { uri: vscode.Uri; line: number; trace: TraceResponse };
  private generation = 0;

  constructor(private readonly host: TracePanelHost) {}

  /** Show `trace` (of the hunk at `line` of `uri`), creating the panel beside the editor if needed. */
  show(uri: vscode.Uri, line: number, trace: TraceResponse): void {
    this.shown = { uri, line, trace };
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('ext4WritePath.trace', 'ext4 trace', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, { enableScripts: true, localResourceRoots: [], retainContextWhenHidden: false });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.shown = undefined;
      });
      this.panel.webview.onDidReceiveMessage((m: PanelMessage) => void this.onMessage(m));
    } else {
      this.panel.reveal(undefined, false);
    }
    this.render();
  }

  dispose(): void {
    this.panel?.dispose();
  }

  private render(): void {
    const p = this.panel;
    const s = this.shown;
    if (!p || !s) return;
    p.title = `ext4 trace: ${s.trace.scenario} (${s.trace.side})`;
    p.webview.html = webviewPage({ title: p.title, cspSource: p.webview.cspSource, nonce: randomBytes(16).toString('base64'), body: traceBody(s.trace), style: TRACE_STYLE, script: TRACE_SCRIPT });
  }

  private async onMessage(m: PanelMessage): Promise<void> {
    const s = this.shown;
    if (!m || typeof m !== 'object' || !s) return;
    if (m.type === 'open' && typeof m.uri === 'string' && Number.isInteger(m.line)) {
      await this.host.openLocation(m.uri, m.line);
      return;
    }
    let scenario = s.trace.scenario;
    let side: 'before' | 'after' = s.trace.side;
    if (m.type === 'side' && (m.side === 'before' || m.side === 'after')) side = m.side;
    else if (m.type === 'trace' && typeof m.scenario === 'string') scenario = m.scenario;
    else return;
    const gen = ++this.generation;
    const trace = await this.host.requestTrace(s.uri, s.line, scenario, side);
    if (gen !== this.generation || !trace) return;
    this.shown = { uri: s.uri, line: s.line, trace };
    this.render();
  }
}
