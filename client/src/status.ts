import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/protocol';

/** Codicon shown before the server's text, per `StatusParams.state`. */
const ICONS: Record<string, string> = {
  ok: '$(check)',
  warning: '$(warning)',
  error: '$(error)',
  busy: '$(loading~spin)',
  'no-kernel': '$(info)',
};

/** Status-bar background per state; only the two the theme defines for items. */
const BACKGROUNDS: Record<string, string> = {
  warning: 'statusBarItem.warningBackground',
  error: 'statusBarItem.errorBackground',
};

/**
 * The status-bar item: the server's last `ext4WritePath/status` text for the active
 * document, hidden when that document has none. The server reports every document it
 * analyses, so the item remembers one status per document and shows the active one.
 */
export class StatusView implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly byDocument = new Map<string, StatusParams>();
  private readonly subscriptions: vscode.Disposable[] = [];

  /** @param clickCommand command id the item runs when clicked (show output). */
  constructor(clickCommand: string) {
    this.item = vscode.window.createStatusBarItem('ext4WritePath.status', vscode.StatusBarAlignment.Left, 0);
    this.item.name = 'ext4 Write-Path Review';
    this.item.command = clickCommand;
    this.subscriptions.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (this.byDocument.delete(doc.uri.toString())) this.render();
      }),
    );
  }

  /** Records the status the server sent for `uri` (already converted from the protocol form). */
  set(uri: vscode.Uri, params: StatusParams): void {
    this.byDocument.set(uri.toString(), params);
    this.render();
  }

  /** Forgets every status: the server that sent them has stopped or is restarting. */
  clear(): void {
    this.byDocument.clear();
    this.render();
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.byDocument.clear();
  }

  private render(): void {
    const editor = vscode.window.activeTextEditor;
    // Focusing the Output panel (e.g. after clicking this item) can make its channel the
    // "active editor"; keep showing the patch's status rather than hiding the item.
    if (editor?.document.uri.scheme === 'output') return;
    const status = editor && this.byDocument.get(editor.document.uri.toString());
    if (!status || !status.text) {
      this.item.hide();
      return;
    }
    const icon = ICONS[status.state];
    this.item.text = icon ? `${icon} ${status.text}` : status.text;
    this.item.tooltip = `ext4 Write-Path Review: ${status.text}\nClick to show the output.`;
    const background = BACKGROUNDS[status.state];
    this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
    this.item.show();
  }
}
