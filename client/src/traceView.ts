import * as vscode from 'vscode';
import type { TraceResponse } from '../../server/src/protocol';

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
