/**
 * VS Code client of the ext4 write-path review server: starts `dist/server.js` over IPC,
 * and adds what plain LSP has no place for — the status-bar summary, progress for long
 * analyses, the "Write-path scenarios" view, the trace view of one scenario, and commands
 * to pick the kernel tree and the scenario set.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  DocumentSelector,
  ErrorAction,
  ErrorHandler,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import {
  ClientExtras,
  CLIENT_COMMANDS,
  CLIENT_ID,
  OPTIONAL_CLIENT_COMMANDS,
  ScenarioMatrixResponse,
  SERVER_COMMANDS,
  STATUS_NOTIFICATION,
  StatusParams,
  TraceResponse,
} from '../../server/src/protocol';
import { AnalysisProgress } from './progress';
import { SCENARIOS_VIEW_ID, ScenariosView } from './scenariosView';
import { readSettings, saveSetting } from './settings';
import { StatusView } from './status';
import { openTrace, TRACE_SCHEME, TraceDocuments, TracePanel } from './traceView';

/** Name of the client, and of its one output channel (log and LSP trace share it). */
const CLIENT_NAME = 'ext4 Write-Path Review';

const NO_KERNEL_MESSAGE =
  'ext4 Write-Path: no Linux kernel tree found — no workspace folder has fs/ext4/file.c and no kernel tree is set. ' +
  'Each hunk is analysed on its own against a fetched Debian tree, which misses what the rest of the patch changes. Pick the tree the patch applies to?';
const PICK_KERNEL_TREE = 'Pick Kernel Tree…';
const OPEN_SETTING = 'Open Setting';
const FETCH_KERNELS = 'Fetch Debian Sources';
const SHOW_OUTPUT = 'Show Output';
/** Name of the terminal *Fetch Debian Kernel Sources* runs in. */
const FETCH_TERMINAL = 'ext4 Write-Path: fetch kernel sources';

/** Crashes of the server counted towards giving up, and over what window (vscode-languageclient's own rule). */
const MAX_CRASH_RESTARTS = 4;
const CRASH_WINDOW_MS = 3 * 60_000;

/** Id of the walkthrough (package.json `contributes.walkthroughs`). */
export const WALKTHROUGH_ID = 'review';

/**
 * Context keys the walkthrough's steps complete on (`onContext:`): a patch was opened in
 * an editor, a hover of ours was shown.
 */
export const CONTEXT_KEYS = { patchOpened: `${CLIENT_ID}.patchOpened`, hoverShown: `${CLIENT_ID}.hoverShown` } as const;

/** Commands a hover's links may run (the hover markdown is trusted for these only). */
const LINK_COMMANDS = [CLIENT_COMMANDS.showTrace, CLIENT_COMMANDS.showScenarios, CLIENT_COMMANDS.openLocation];

/**
 * Documents the server analyses: patches, mails quoting patches, and the ext4 C itself.
 * Plain-text files only by extension, since most plain text is not a patch. `untitled`
 * lets a patch pasted into a new editor be reviewed before it is saved.
 */
export const DOCUMENT_SELECTOR: DocumentSelector = ['file', 'untitled'].flatMap((scheme) => [
  { scheme, language: 'diff' },
  { scheme, language: 'mbox' },
  { scheme, language: 'plaintext', pattern: '**/*.{patch,diff,mbox,eml,txt}' },
  { scheme, language: 'c', pattern: '**/fs/ext4/*.c' },
]);

/** Where a trace is asked for: a document line, optionally a scenario and a side. */
interface TraceTarget {
  uri: vscode.Uri;
  /** 0-based, as in the protocol. */
  line: number;
  scenario?: string;
  side?: 'before' | 'after';
}

/**
 * Stops what activate() started. Module state only because VS Code calls deactivate()
 * without arguments; everything else lives in activate()'s closure.
 */
let shutdown: (() => Promise<void>) | undefined;

/** Called by VS Code on the first diff / mbox / C document or on one of our commands. */
export function activate(context: vscode.ExtensionContext): void {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    // Under the Extension Development Host: lets a debugger attach to the server.
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  // One channel for both the client log and `ext4WritePath.trace.server`, so a reviewer
  // reporting a problem has one place to copy from.
  const channel = vscode.window.createOutputChannel(CLIENT_NAME);
  /** Walkthrough progress: set once per window, so each context key is set at most once. */
  let hoverShown = false;
  let patchOpened = false;
  const markPatchOpened = (editor: vscode.TextEditor | undefined): void => {
    if (patchOpened || !editor || !isPatch(editor.document)) return;
    patchOpened = true;
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.patchOpened, true);
  };

  /**
   * Options of one LanguageClient. Each client gets its own (the error handler names it),
   * because every restart makes a new client: see {@link replaceClient}.
   */
  const clientOptions = (errorHandler: ErrorHandler): LanguageClientOptions => ({
    documentSelector: DOCUMENT_SELECTOR,
    synchronize: { configurationSection: CLIENT_ID },
    // A function, so a restart sends the settings as they are now.
    initializationOptions: () => readSettings(),
    outputChannel: channel,
    traceOutputChannel: channel,
    diagnosticCollectionName: CLIENT_ID,
    errorHandler,
    // Hovers carry command links (trace, scenarios view, deciding C line) and colour
    // before/after with <span style="color:…">; only our own commands are trusted.
    markdown: { isTrusted: { enabledCommands: LINK_COMMANDS }, supportHtml: true },
    middleware: {
      // The walkthrough's "read a hover" step completes on the first hover the server answers.
      provideHover: async (document, position, token, next) => {
        const hover = await next(document, position, token);
        if (hover && !hoverShown) {
          hoverShown = true;
          void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.hoverShown, true);
        }
        return hover;
      },
    },
  });

  const status = new StatusView({ patch: CLIENT_COMMANDS.showScenarios, noKernel: CLIENT_COMMANDS.pickKernelTree, other: CLIENT_COMMANDS.showOutput });
  const traces = new TraceDocuments();
  const progress = new AnalysisProgress();
  const tracePanel = new TracePanel({
    requestTrace: (uri, line, scenario, side) => requestTrace(client, { uri, line, scenario, side }),
    openLocation: (uri, line) => openLocation(uri, line, vscode.ViewColumn.One),
  });
  const scenarios = new ScenariosView({
    matrix: (uri, line) => requestMatrix(client, uri, line),
    showTrace: (uri, line, scenario) => void showTrace(uri.toString(), line, scenario, 'after'),
    isPatch,
  });
  context.subscriptions.push(
    channel,
    status,
    traces,
    progress,
    tracePanel,
    scenarios,
    vscode.workspace.registerTextDocumentContentProvider(TRACE_SCHEME, traces),
    vscode.window.registerWebviewViewProvider(SCENARIOS_VIEW_ID, scenarios),
  );

  /** Offer to pick a kernel tree the first time the server says it has none, not on every file. */
  let offeredKernelTree = false;
  /** Listeners tied to the current client; disposed when it is replaced. */
  let clientSubscriptions: vscode.Disposable[] = [];

  /** When the server crashed lately (ms timestamps), to stop restarting one that keeps crashing. */
  let crashes: number[] = [];
  /** The client replacement in progress (replaceClient()), if any. */
  let replacing: Promise<void> | undefined;

  function createClient(): LanguageClient {
    // A crashed server is not restarted by vscode-languageclient inside the same client
    // (CloseAction.Restart): that path has the same defect as LanguageClient.restart(),
    // see replaceClient(). This handler declines, and the client is replaced instead.
    const errorHandler: ErrorHandler = {
      error: (_error, _message, count) => ({ action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
      closed: () => {
        setTimeout(() => void serverClosed(c), 0);
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    };
    const c = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions(errorHandler));
    c.registerFeature(EXTRAS_FEATURE);
    clientSubscriptions = [
      c.onNotification(STATUS_NOTIFICATION, (params: StatusParams) => onStatus(c, params)),
      // The server's statuses die with it (crash without restart, or stop).
      c.onDidChangeState((e) => {
        if (e.newState === State.Stopped) {
          status.clear();
          progress.clear();
        }
      }),
    ];
    return c;
  }

  /** The server of client `c` exited on its own (a crash, or a framing error: transport.ts). */
  async function serverClosed(c: LanguageClient): Promise<void> {
    if (c !== client) return;
    const now = Date.now();
    crashes = [...crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    if (crashes.length > MAX_CRASH_RESTARTS) {
      const message = `${CLIENT_NAME}: the language server stopped ${crashes.length} times in ${CRASH_WINDOW_MS / 60_000} minutes and is not restarted again.`;
      channel.appendLine(message);
      const restart = 'Restart Language Server';
      const choice = await vscode.window.showErrorMessage(message, restart, SHOW_OUTPUT);
      if (choice === restart) await restartServer();
      else if (choice === SHOW_OUTPUT) channel.show(true);
      return;
    }
    channel.appendLine('The language server exited unexpectedly; starting a new one.');
    await replaceClient();
  }

  let client = createClient();

  function onStatus(c: LanguageClient, params: StatusParams): void {
    if (!params || typeof params.uri !== 'string' || c !== client) return;
    const uri = c.protocol2CodeConverter.asUri(params.uri);
    status.set(uri, params);
    if (params.state === 'busy') progress.busy(uri, params.progress);
    else {
      progress.done(uri);
      scenarios.analysed(uri);
    }
    if (params.state === 'no-kernel' && !offeredKernelTree) {
      offeredKernelTree = true;
      const choices = process.platform === 'linux' ? [PICK_KERNEL_TREE, FETCH_KERNELS, OPEN_SETTING] : [PICK_KERNEL_TREE, OPEN_SETTING];
      void vscode.window.showWarningMessage(NO_KERNEL_MESSAGE, ...choices).then((choice) => {
        if (choice === PICK_KERNEL_TREE) void vscode.commands.executeCommand(CLIENT_COMMANDS.pickKernelTree);
        else if (choice === FETCH_KERNELS) void vscode.commands.executeCommand(CLIENT_COMMANDS.fetchKernels);
        else if (choice === OPEN_SETTING) void vscode.commands.executeCommand('workbench.action.openSettings', `${CLIENT_ID}.kernelTree`);
      });
    }
  }

  /** Starts `c`; failures are reported, not thrown (activation must not fail with them). */
  async function startClient(c: LanguageClient): Promise<void> {
    if (!existsSync(serverModule)) {
      // Only in a checkout that was not built; the packaged extension always has it.
      const message = `${CLIENT_NAME}: ${serverModule} is missing. Run \`npm run build\`.`;
      channel.appendLine(message);
      void vscode.window.showErrorMessage(message);
      return;
    }
    try {
      await c.start();
    } catch (err) {
      // vscode-languageclient has already shown and logged the failure.
      channel.appendLine(`Server did not start: ${errorText(err)}`);
    }
  }

  /** *Restart Language Server*: a new server process, and a new client for it. */
  async function restartServer(): Promise<void> {
    crashes = [];
    await replaceClient();
  }

  /**
   * Stop the current client and its server, then start a new LanguageClient.
   *
   * Not `LanguageClient.restart()`: in vscode-languageclient 9.0.1 a stop clears every
   * feature, and `TextDocumentEventFeature.clear()` *disposes* the didOpen feature's
   * `onNotificationSent` emitter. After the restart the pull-diagnostics feature subscribes
   * to that disposed emitter (VS Code's Emitter returns a no-op subscription once
   * disposed), so it never hears of a document opened after the restart: such a patch got
   * its CodeLens (requested by VS Code itself) but no `textDocument/diagnostic` request,
   * hence no squiggles or Problems rows until a tab switch made the background scheduler
   * pull it. A fresh client has fresh features.
   */
  function replaceClient(): Promise<void> {
    // One replacement at a time: a second request while one runs joins it (two would each
    // start a client, and one of them would be left running unseen).
    replacing ??= doReplaceClient().finally(() => (replacing = undefined));
    return replacing;
  }

  async function doReplaceClient(): Promise<void> {
    status.clear();
    progress.clear();
    const old = client;
    for (const d of clientSubscriptions) d.dispose();
    clientSubscriptions = [];
    // A start in progress cannot be stopped; let it settle first (bounded: a hung server
    // must not block the restart meant to fix it).
    if (old.state === State.Starting) await Promise.race([old.start().catch(() => undefined), delay(10_000)]);
    // dispose() stops the old server (shutdown, exit) and keeps our shared output channel.
    await old.dispose(3000).catch((err: unknown) => channel.appendLine(`Stopping the old server: ${errorText(err)}`));
    client = createClient();
    await startClient(client);
  }

  async function showTrace(...args: unknown[]): Promise<void> {
    const target = traceTarget(args);
    if (!target) {
      void vscode.window.showWarningMessage(
        'ext4 Write-Path: open a patch, a mail with a patch, or an fs/ext4 C file and put the cursor in a hunk first.',
      );
      return;
    }
    const c = client;
    try {
      let trace = await requestTrace(c, target);
      if (!trace) {
        void vscode.window.showInformationMessage(`ext4 Write-Path: no scenario trace at line ${target.line + 1}; put the cursor inside a hunk.`);
        return;
      }
      if (trace.steps) {
        // The trace view has its own scenario and side switches: show the server's choice now.
        tracePanel.show(target.uri, target.line, trace);
        return;
      }
      // A server without step data: the markdown trace, with a quick pick for the scenario.
      if (target.scenario === undefined && trace.scenarios.length > 1) {
        const shown = trace.scenario;
        const pick = await vscode.window.showQuickPick(
          trace.scenarios.map((s) => ({ label: s, description: s === shown ? 'the server’s choice' : undefined })),
          { title: 'ext4 Write-Path: Scenario to Trace', placeHolder: `Scenarios of the hunk at line ${target.line + 1}`, matchOnDescription: true },
        );
        if (!pick) return;
        if (pick.label !== shown) {
          // Keep the side the server chose, so the second trace matches the first one's view.
          trace = await requestTrace(c, { ...target, scenario: pick.label, side: target.side ?? trace.side });
          if (!trace) {
            void vscode.window.showInformationMessage(`ext4 Write-Path: no trace of ${pick.label} at line ${target.line + 1}.`);
            return;
          }
        }
      }
      await openTrace(traces.put(target.uri, target.line, trace));
    } catch (err) {
      const choice = await vscode.window.showErrorMessage(`ext4 Write-Path: could not get the trace: ${errorText(err)}`, SHOW_OUTPUT);
      if (choice === SHOW_OUTPUT) channel.show(true);
    }
  }

  /** `showScenarios [uri, line]`: the scenarios view, at the hunk of `line` (from a hover or lens) or the active patch. */
  async function showScenarios(...args: unknown[]): Promise<void> {
    const [uriArg, lineArg] = args;
    const uri = typeof uriArg === 'string' && uriArg ? vscode.Uri.parse(uriArg) : uriArg instanceof vscode.Uri ? uriArg : undefined;
    const line = typeof lineArg === 'number' && Number.isInteger(lineArg) && lineArg >= 0 ? lineArg : undefined;
    await scenarios.show(uri, line);
  }

  async function chooseScenarioSet(): Promise<void> {
    const current = readSettings().scenarios;
    type Item = vscode.QuickPickItem & { value?: string };
    const mark = (value: string): string | undefined => (value === current ? '(current)' : undefined);
    const items: Item[] = [
      { label: 'default', description: mark('default'), detail: 'The built-in scenario matrix.', value: 'default' },
      { label: 'core', description: mark('core'), detail: 'The 80-scenario direct-IO grid.', value: 'core' },
    ];
    if (current !== 'default' && current !== 'core') {
      items.push({ label: path.basename(current), description: '(current)', detail: current, value: current });
    }
    items.push({ label: '$(folder-opened) Pick a JSON File…', detail: 'A scenario file of your own.' });
    const choice = await vscode.window.showQuickPick(items, {
      title: 'ext4 Write-Path: Scenario Set',
      placeHolder: 'Scenarios simulated for every hunk',
    });
    if (!choice) return;
    let value = choice.value;
    if (value === undefined) {
      const files = await vscode.window.showOpenDialog({
        title: 'ext4 Write-Path: Scenario File',
        openLabel: 'Use Scenario File',
        canSelectFiles: true,
        canSelectFolders: false,
        canSelectMany: false,
        filters: { 'Scenario JSON': ['json'] },
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      if (!files?.length) return;
      value = files[0].fsPath;
    }
    const where = await saveSetting('scenarios', value);
    void vscode.window.showInformationMessage(`ext4 Write-Path: scenario set ${choice.value ? value : path.basename(value)}, saved in ${where}.`);
  }

  async function pickKernelTree(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      title: 'ext4 Write-Path: Linux Kernel Tree (the folder holding fs/ext4)',
      openLabel: 'Use as Kernel Tree',
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    if (!picked?.length) return;
    const tree = picked[0];
    // A wrong folder would silently turn every hunk into a hunk "on its own"; say so now.
    if (!(await exists(vscode.Uri.joinPath(tree, 'fs', 'ext4', 'file.c')))) {
      const useAnyway = 'Use Anyway';
      const answer = await vscode.window.showWarningMessage(`${tree.fsPath} has no fs/ext4/file.c. Use it as the kernel tree anyway?`, useAnyway);
      if (answer !== useAnyway) return;
    }
    const where = await saveSetting('kernelTree', tree.fsPath);
    void vscode.window.showInformationMessage(`ext4 Write-Path: kernel tree ${tree.fsPath}, saved in ${where}.`);
  }

  /**
   * *Fetch Debian Kernel Sources*: runs the shipped `scripts/fetch-kernels.sh` in a terminal
   * the reviewer sees (it downloads Debian's linux-source packages with `apt-get download`
   * into ~/.cache/ext4-write-path — the reference trees of hunk-only reviews). When it
   * succeeds the server is restarted, so it finds them.
   */
  async function fetchKernels(): Promise<void> {
    const script = context.asAbsolutePath(path.join('scripts', 'fetch-kernels.sh'));
    if (!existsSync(script)) {
      void vscode.window.showErrorMessage(`ext4 Write-Path: ${script} is missing from the installation.`);
      return;
    }
    const running = vscode.window.terminals.find((t) => t.name === FETCH_TERMINAL && !t.exitStatus);
    if (running) {
      running.show();
      return;
    }
    // The terminal stays open until the reviewer has read the result (and the exit status is kept).
    const terminal = vscode.window.createTerminal({
      name: FETCH_TERMINAL,
      shellPath: '/bin/bash',
      shellArgs: ['-c', 'bash "$0"; s=$?; echo; if [ $s = 0 ]; then echo "Done: the server restarts to use these trees."; else echo "Failed (exit status $s)."; fi; read -r -p "Press Enter to close this terminal. " _; exit $s', script],
      iconPath: new vscode.ThemeIcon('cloud-download'),
    });
    terminal.show();
    const closed = vscode.window.onDidCloseTerminal(async (t) => {
      if (t !== terminal) return;
      closed.dispose();
      if (t.exitStatus?.code === 0) await restartServer();
    });
    context.subscriptions.push(closed);
  }

  /** *Open Walkthrough*: the "Review an ext4 write-path patch" walkthrough of the Welcome page. */
  async function openWalkthrough(): Promise<void> {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH_ID}`, false);
  }

  context.subscriptions.push(
    vscode.commands.registerCommand(CLIENT_COMMANDS.restart, restartServer),
    vscode.commands.registerCommand(CLIENT_COMMANDS.showOutput, () => channel.show(true)),
    vscode.commands.registerCommand(CLIENT_COMMANDS.chooseScenarios, chooseScenarioSet),
    vscode.commands.registerCommand(CLIENT_COMMANDS.showTrace, showTrace),
    vscode.commands.registerCommand(CLIENT_COMMANDS.pickKernelTree, pickKernelTree),
    vscode.commands.registerCommand(CLIENT_COMMANDS.showScenarios, showScenarios),
    vscode.commands.registerCommand(CLIENT_COMMANDS.fetchKernels, fetchKernels),
    vscode.commands.registerCommand(OPTIONAL_CLIENT_COMMANDS.copyText, copyText),
    vscode.commands.registerCommand(CLIENT_COMMANDS.openWalkthrough, openWalkthrough),
    vscode.window.onDidChangeActiveTextEditor(markPatchOpened),
    vscode.commands.registerCommand(CLIENT_COMMANDS.openLocation, (uri: unknown, line: unknown) => {
      if (typeof uri === 'string' && typeof line === 'number') return openLocation(uri, line);
      return undefined;
    }),
    { dispose: () => clientSubscriptions.forEach((d) => d.dispose()) },
  );

  shutdown = async () => {
    if (!client.needsStop()) return;
    try {
      await client.stop();
    } catch {
      // Still starting (no connection to shut down yet): nothing more can be done on exit.
    }
  };
  markPatchOpened(vscode.window.activeTextEditor);
  // Not awaited: activation should not wait for the server; requests wait for the start themselves.
  void startClient(client);
}

/** Called by VS Code on shutdown or when the extension is disabled: stops the server. */
export function deactivate(): Thenable<void> | undefined {
  const stop = shutdown;
  shutdown = undefined;
  return stop?.();
}

/**
 * The trace target from the command's arguments `[uri, line, scenario, side]` (from a
 * hover or code-lens link, where the uri is a string) or, without them, the active
 * editor's document and cursor line. Undefined when there is no document the server
 * could know about.
 */
function traceTarget(args: unknown[]): TraceTarget | undefined {
  const [uriArg, lineArg, scenarioArg, sideArg] = args;
  const editor = vscode.window.activeTextEditor;
  let uri: vscode.Uri | undefined;
  if (uriArg instanceof vscode.Uri) uri = uriArg;
  else if (typeof uriArg === 'string' && uriArg) uri = vscode.Uri.parse(uriArg);
  else uri = editor?.document.uri;
  if (!uri || (uri.scheme !== 'file' && uri.scheme !== 'untitled')) return undefined;
  let line = 0;
  if (typeof lineArg === 'number' && Number.isInteger(lineArg) && lineArg >= 0) line = lineArg;
  else if (editor && editor.document.uri.toString() === uri.toString()) line = editor.selection.active.line;
  return {
    uri,
    line,
    scenario: typeof scenarioArg === 'string' && scenarioArg ? scenarioArg : undefined,
    side: sideArg === 'before' || sideArg === 'after' ? sideArg : undefined,
  };
}

/**
 * Asks the server for a trace (`workspace/executeCommand` with SERVER_COMMANDS.trace).
 * Trailing optional arguments are left out; a side without a scenario sends `null` for
 * the scenario. Null when the server has no trace there (the line is in no hunk).
 */
async function requestTrace(c: LanguageClient, target: TraceTarget): Promise<TraceResponse | null> {
  const args: unknown[] = [c.code2ProtocolConverter.asUri(target.uri), target.line];
  if (target.scenario !== undefined || target.side !== undefined) args.push(target.scenario ?? null);
  if (target.side !== undefined) args.push(target.side);
  const result: unknown = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'ext4 Write-Path: tracing…' },
    () => c.sendRequest(ExecuteCommandRequest.type, { command: SERVER_COMMANDS.trace, arguments: args }),
  );
  if (result === null || result === undefined) return null;
  if (!isTraceResponse(result)) throw new Error('the server answered with something that is not a trace');
  return result;
}

function isTraceResponse(x: unknown): x is TraceResponse {
  const t = x as Partial<TraceResponse>;
  return (
    typeof t === 'object' &&
    typeof t.markdown === 'string' &&
    typeof t.scenario === 'string' &&
    (t.side === 'before' || t.side === 'after') &&
    Array.isArray(t.scenarios) &&
    t.scenarios.every((s) => typeof s === 'string')
  );
}

/** SERVER_COMMANDS.matrix for `uri` (the hunk at `line`, when given). */
async function requestMatrix(c: LanguageClient, uri: vscode.Uri, line: number | undefined): Promise<ScenarioMatrixResponse | null> {
  const args: unknown[] = [c.code2ProtocolConverter.asUri(uri)];
  if (line !== undefined) args.push(line);
  const result: unknown = await c.sendRequest(ExecuteCommandRequest.type, { command: SERVER_COMMANDS.matrix, arguments: args });
  if (result === null || result === undefined) return null;
  const m = result as Partial<ScenarioMatrixResponse>;
  if (typeof m !== 'object' || !Array.isArray(m.rows)) throw new Error('the server answered with something that is not a scenario matrix');
  return m as ScenarioMatrixResponse;
}

/**
 * Open `uri` at 0-based `line` with the line selected and centred: the target of hover
 * links (deciding C line) and of the trace and scenarios views.
 */
async function openLocation(uri: string, line: number, column?: vscode.ViewColumn): Promise<void> {
  let target: vscode.Uri;
  try {
    target = vscode.Uri.parse(uri, true);
  } catch {
    return;
  }
  const doc = await vscode.workspace.openTextDocument(target);
  const l = Math.max(0, Math.min(line, doc.lineCount - 1));
  const range = new vscode.Range(l, 0, l, doc.lineAt(l).text.length);
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, preview: true, selection: range });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
}

/**
 * `copyText [text, what?]` (protocol.ts OPTIONAL_CLIENT_COMMANDS, announced in
 * ClientExtras): puts `text` on the clipboard — "Copy as review comment" — and says so.
 */
async function copyText(text: unknown, what: unknown): Promise<void> {
  if (typeof text !== 'string') return;
  await vscode.env.clipboard.writeText(text);
  const lines = text.split('\n').length;
  vscode.window.setStatusBarMessage(`ext4 Write-Path: copied ${typeof what === 'string' && what ? what : 'the text'} (${lines} line${lines === 1 ? '' : 's'})`, 5000);
}

/** Documents the server reviews as patches (not the fs/ext4 C it also analyses). */
function isPatch(doc: vscode.TextDocument): boolean {
  return doc.languageId !== 'c' && vscode.languages.match(DOCUMENT_SELECTOR as vscode.DocumentSelector, doc) > 0;
}

/**
 * Tells the server what this client renders beyond plain LSP (protocol.ts ClientExtras),
 * through `ClientCapabilities.experimental`: the LSP's own place for such extensions.
 */
const EXTRAS_FEATURE = {
  fillClientCapabilities(capabilities: { experimental?: unknown }): void {
    const extras: ClientExtras = { codicons: true, commands: Object.values(OPTIONAL_CLIENT_COMMANDS) };
    capabilities.experimental = { ...((capabilities.experimental as object | undefined) ?? {}), [CLIENT_ID]: extras };
  },
  initialize(): void {},
  getState: () => ({ kind: 'static' }) as const,
  clear(): void {},
};

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
