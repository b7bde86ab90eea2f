import * as vscode from 'vscode';

/**
 * An analysis shorter than this shows no notification: the status bar's spinner is
 * enough, and a toast that flashes for 200 ms is noise. A long series or a cold tree
 * takes seconds; then the reviewer should know why nothing is annotated yet.
 */
export const PROGRESS_DELAY_MS = 500;

/** One document's analysis in progress. */
interface Running {
  timer?: ReturnType<typeof setTimeout>;
  /** The last fraction done the server reported (0..1). */
  fraction?: number;
  /** Ends the notification, once it is shown. */
  end?: () => void;
}

/**
 * Progress notifications for analyses that take longer than {@link PROGRESS_DELAY_MS}.
 * Driven by the server's status notifications: `busy` starts a document's analysis, any
 * other state ends it. Several documents may be analysed at once; each has its own entry.
 */
export class AnalysisProgress implements vscode.Disposable {
  private readonly running = new Map<string, Running>();
  // The server drops the analysis of a closed document without a final status.
  private readonly closeListener = vscode.workspace.onDidCloseTextDocument((doc) => this.done(doc.uri));

  /** The server started analysing `uri`, or reports how far it is (`fraction`, 0..1). */
  busy(uri: vscode.Uri, fraction?: number): void {
    const key = uri.toString();
    const existing = this.running.get(key);
    if (existing) {
      if (fraction !== undefined) existing.fraction = fraction;
      return;
    }
    const r: Running = {};
    r.timer = setTimeout(() => {
      r.timer = undefined;
      if (this.running.get(key) !== r) return;
      const name = uri.path.split('/').pop() || key;
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `ext4 Write-Path: analysing ${name}`, cancellable: false },
        (progress) =>
          new Promise<void>((resolve) => {
            const t0 = Date.now();
            progress.report({ message: 'simulating the scenario matrix before and after each patch…' });
            // The fraction comes from the server's busy statuses; elapsed time shows it is alive between them.
            const tick = setInterval(() => {
              const pct = r.fraction !== undefined ? `${Math.round(r.fraction * 100)}%, ` : '';
              progress.report({ message: `simulating the scenario matrix before and after each patch… ${pct}${Math.round((Date.now() - t0) / 1000)} s` });
            }, 1000);
            r.end = () => {
              clearInterval(tick);
              resolve();
            };
          }),
      );
    }, PROGRESS_DELAY_MS);
    this.running.set(key, r);
  }

  /** The analysis of `uri` ended (any non-busy status). */
  done(uri: vscode.Uri): void {
    const key = uri.toString();
    const r = this.running.get(key);
    if (!r) return;
    this.running.delete(key);
    if (r.timer) clearTimeout(r.timer);
    r.end?.();
  }

  /** The server stopped: nothing it was doing will report back. */
  clear(): void {
    for (const [key] of this.running) this.done(vscode.Uri.parse(key));
  }

  dispose(): void {
    this.closeListener.dispose();
    this.clear();
  }
}
