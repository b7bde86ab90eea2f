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

/** Commands the item runs when clicked, by what the status is about. */
export interface StatusCommands {
  /** A reviewed patch: the scenarios view. */
  patch: string;
  /** No kernel tree found: pick one. */
  noKernel: string;
  /** Anything else (C files, failures): the output channel. */
  other: string;
}

/**
 * The status-bar item: the server's last `ext4WritePath/status` text for the active
 * document, hidden when that document has none. The server reports every document it
 * analyses, so the item remembers one status per document and shows the active one.
 * Its tooltip is the server's markdown summary; a click goes where the state points:
 * the scenarios view for a patch, the kernel-tree picker when there is no tree.
 */
export class StatusView implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly byDocument = new Map<string, StatusParams>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly commands: StatusCommands) {
    this.item = vscode.window.createStatusBarItem('ext4WritePath.status', vscode.StatusBarAlignment.Left, 0);
    this.item.name = 'ext4 Write-Path Review';
    this.item.command = commands.other;
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
    const click = status.state === 'no-kernel' ? this.commands.noKernel : status.kind === 'patch' && status.state !== 'busy' ? this.commands.patch : this.commands.other;
    this.item.command = click;
    const hint = click === this.commands.noKernel ? 'Click to pick a kernel tree.' : click === this.commands.patch ? 'Click for the write-path scenarios.' : 'Click to show the output.';
    if (status.detail) {
      const tip = new vscode.MarkdownString(`${status.detail}\n\n*${hint}*`, true);
      this.item.tooltip = tip;
    } else {
      this.item.tooltip = `ext4 Write-Path Review: ${status.text}\n${hint}`;
    }
    const background = BACKGROUNDS[status.state];
    this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
    this.item.show();
  }
}
