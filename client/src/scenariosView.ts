import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ScenarioMatrixResponse } from '../../server/src/protocol';
import { MATRIX_SCRIPT, MATRIX_STYLE, matrixBody, messageBody, webviewPage } from './html';

/** Id of the webview view (package.json `contributes.views`). */
export const SCENARIOS_VIEW_ID = 'ext4WritePath.scenarios';

/** What the view needs from the extension around it. */
export interface ScenariosHost {
  /** The server's matrix (SERVER_COMMANDS.matrix) for `uri`, for the hunk at `line` if given. */
  matrix(uri: vscode.Uri, line: number | undefined): Promise<ScenarioMatrixResponse | null>;
  /** Open the trace of `scenario` of the hunk at `line`. */
  showTrace(uri: vscode.Uri, line: number, scenario: string): void;
  /** Is this a document the server reviews as a patch (diff, mbox, …)? */
  isPatch(doc: vscode.TextDocument): boolean;
}

/** Messages the webview posts (html.ts MATRIX_SCRIPT). */
type ViewMessage = { type: 'hunk'; line: number } | { type: 'trace'; scenario: string } | { type: 'command'; command: string };

/** How long the cursor must rest before the view follows it to another hunk. */
const FOLLOW_MS = 400;

/**
 * The "Write-path scenarios" view: the scenario matrix of the active patch's hunk as a
 * table — one row per scenario that runs the hunk's code, each outcome field coloured
 * before → after — with filters by request dimension. It follows the active patch editor
 * and the hunk under its cursor, and re-renders when the server has analysed it again.
 */
export class ScenariosView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view?: vscode.WebviewView;
  /** The patch shown, and the line of the hunk asked for (undefined: the server's choice). */
  private target?: { uri: vscode.Uri; line?: number };
  /** The hunk the view shows now (its `@@` line), to skip re-rendering the same table. */
  private shownKey?: string;
  /** `@@` line of the hunk shown now (trace requests from the table go to that hunk). */
  private shownLine?: number;
  /** Render generation: an answer for an older request is dropped. */
  private generation = 0;
  private followTimer?: ReturnType<typeof setTimeout>;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly host: ScenariosHost) {
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e && host.isPatch(e.document)) this.follow(e.document.uri, e.selection.active.line, true);
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (!host.isPatch(e.textEditor.document) || e.kind === undefined) return;
        if (this.followTimer) clearTimeout(this.followTimer);
        this.followTimer = setTimeout(() => this.follow(e.textEditor.document.uri, e.selections[0].active.line, false), FOLLOW_MS);
      }),
    );
    const editor = vscode.window.activeTextEditor;
    if (editor && host.isPatch(editor.document)) this.target = { uri: editor.document.uri, line: editor.selection.active.line };
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    // No local resources: everything is inline (with a nonce), nothing is loaded.
    view.webview.options = { enableScripts: true, localResourceRoots: [] };
    view.webview.onDidReceiveMessage((m: ViewMessage) => this.onMessage(m));
    view.onDidChangeVisibility(() => {
      if (view.visible) void this.refresh(true);
    });
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    });
    void this.refresh(true);
  }

  /** Show the view for `uri` (the hunk at `line`), or for the active patch. */
  async show(uri?: vscode.Uri, line?: number): Promise<void> {
    if (uri) this.target = { uri, line };
    await vscode.commands.executeCommand(`${SCENARIOS_VIEW_ID}.focus`);
    await this.refresh(true);
  }

  /** The server analysed `uri` again: redraw when it is the patch shown. */
  analysed(uri: vscode.Uri): void {
    if (this.target?.uri.toString() === uri.toString()) void this.refresh(true);
  }

  dispose(): void {
    if (this.followTimer) clearTimeout(this.followTimer);
    for (const d of this.subscriptions) d.dispose();
  }

  /** The active patch or its cursor moved: show that patch, at the hunk under the cursor. */
  private follow(uri: vscode.Uri, line: number, newDocument: boolean): void {
    const same = this.target?.uri.toString() === uri.toString();
    this.target = { uri, line };
    void this.refresh(newDocument || !same);
  }

  private onMessage(m: ViewMessage): void {
    const t = this.target;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'hunk' && t && Number.isInteger(m.line)) {
      this.target = { uri: t.uri, line: m.line };
      void this.refresh(true);
      // Bring the chosen hunk into view in the patch, so table and text match.
      const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === t.uri.toString());
      editor?.revealRange(new vscode.Range(m.line, 0, m.line, 0), vscode.TextEditorRevealType.AtTop);
    } else if (m.type === 'trace' && t && typeof m.scenario === 'string') {
      this.host.showTrace(t.uri, this.shownLine ?? t.line ?? 0, m.scenario);
    } else if (m.type === 'command' && typeof m.command === 'string' && m.command.startsWith('ext4WritePath.')) {
      // Only our own commands: the page is ours, but a message is still input.
      void vscode.commands.executeCommand(m.command);
    }
  }

  /**
   * Ask the server for the matrix and render it. `force` re-renders even when the hunk did
   * not change (a new analysis, a new document); otherwise a cursor move inside the same
   * hunk costs one cheap request and no redraw, which keeps the user's scroll position.
   */
  private async refresh(force: boolean): Promise<void> {
    const view = this.view;
    if (!view || !view.visible) return;
    const gen = ++this.generation;
    const t = this.target;
    if (!t) {
      this.render('Write-path scenarios', messageBody('Write-path scenarios', 'Open a patch (.patch, .diff, .mbox, .eml) that touches fs/ext4 to see how its hunks change the write-path scenarios.'));
      return;
    }
    let m: ScenarioMatrixResponse | null;
    try {
      m = await this.host.matrix(t.uri, t.line);
    } catch (err) {
      if (gen !== this.generation) return;
      this.render('Write-path scenarios', messageBody('Write-path scenarios', `The server could not answer: ${err instanceof Error ? err.message : String(err)}`, [{ label: 'Show Output', command: 'ext4WritePath.showOutput' }]));
      return;
    }
    if (gen !== this.generation) return;
    const name = t.uri.path.split('/').pop() ?? t.uri.toString();
    if (!m) {
      this.shownKey = undefined;
      this.render('Write-path scenarios', messageBody('Write-path scenarios', `${name} is not analysed yet, or is not a patch.`));
      return;
    }
    const key = `${t.uri.toString()}#${m.hunk?.line ?? -1}`;
    if (!force && key === this.shownKey) return;
    this.shownKey = key;
    this.shownLine = m.hunk?.line;
    if (!m.hunk) {
      this.render('Write-path scenarios', messageBody('Write-path scenarios', `No hunk of ${name} runs in any scenario: nothing on the write path changes.`));
      return;
    }
    view.description = `${name} ${m.hunk.header}`;
    this.render('Write-path scenarios', matrixBody(m), true);
  }

  private render(title: string, body: string, table = false): void {
    if (!this.view) return;
    if (!table) this.view.description = undefined;
    this.view.webview.html = webviewPage({ title, cspSource: this.view.webview.cspSource, nonce: randomBytes(16).toString('base64'), body, style: MATRIX_STYLE, script: MATRIX_SCRIPT });
  }
}
