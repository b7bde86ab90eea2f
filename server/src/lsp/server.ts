/**
 * The language server: connection setup, the document store and request routing. The
 * work is done by Analyzer (analysis.ts, what to compute and when) and convert.ts (how
 * results look in LSP). Transport from the command line: `--stdio`, `--node-ipc`,
 * `--socket=N` (vscode-languageserver reads process.argv).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  CodeLensRefreshRequest,
  Connection,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  Disposable,
  DocumentDiagnosticReport,
  FileSystemWatcher,
  InitializeParams,
  InitializeResult,
  MessageType,
  ProposedFeatures,
  ShowMessageNotification,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { docsBase } from '../io/docs';
import { getParser } from '../io/grammar';
import { CLIENT_ID, DEFAULT_SETTINGS, Ext4WritePathSettings, SERVER_COMMANDS, STATUS_NOTIFICATION, TextResponse } from '../protocol';
import { Analysis, Analyzer, errorText, hunkOnLine } from './analysis';
import { hoverFunction } from './cfile';
import {
  busyStatus,
  cFileCodeActions,
  cFileDiagnostics,
  cFunctionHover,
  cStatus,
  hunkAt,
  lineUrl,
  matrixText,
  messageText,
  patchCodeActions,
  patchCodeLenses,
  patchDiagnostics,
  patchHover,
  patchStatus,
  patchSymbols,
  RenderOptions,
  renderOptions,
  reviewComment,
  traceText,
} from './convert';
import { guard, needsDocument } from './guard';
import { readSettings, sameSettings } from './settings';
import { exitOnReaderError, openTransport, stdioHousekeeping, transportArg } from './transport';

/** How long the first analyses wait for the client's `workspace/configuration` answer. */
const CONFIG_WAIT_MS = 3000;

const pathOf = (uri: string): string | undefined => {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
};

/** What the process around a server needs to know of it. */
export interface ServerState {
  /** A `shutdown` request was answered (the exit status is 0 only then). */
  shutdownRequested(): boolean;
}

/** Wire a connection to an Analyzer. All state lives in this closure, one per connection. */
export function startServer(connection: Connection): ServerState {
  const documents = new TextDocuments(TextDocument);
  const log = {
    info: (m: string) => connection.console.info(m),
    warn: (m: string) => connection.console.warn(m),
    error: (m: string) => connection.console.error(m),
  };
  const docs = docsBase();
  let settings: Ext4WritePathSettings = { ...DEFAULT_SETTINGS };
  let folders: string[] = [];
  let caps: InitializeParams['capabilities'] = {};
  let pull = false;
  let render: RenderOptions = {};
  let markConfigured: () => void = () => undefined;
  const configured = new Promise<void>((r) => (markConfigured = r));
  let watchers: Disposable | undefined;
  let watchedRoots = '';
  let shutdown = false;

  const analyzer = new Analyzer({
    parser: async () => {
      await configured;
      return getParser();
    },
    settings: () => settings,
    folders: () => folders,
    log,
    // A notification, not showWarningMessage's request: Neovim answers a request with a blocking prompt.
    notify: (m) => void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `ext4 write path: ${m}` }),
    started: (st) => void connection.sendNotification(STATUS_NOTIFICATION, busyStatus(st.uri, st.kind === 'ignored' ? undefined : st.kind)),
    progress: (st, f) => void connection.sendNotification(STATUS_NOTIFICATION, busyStatus(st.uri, st.kind === 'ignored' ? undefined : st.kind, f)),
    finished: (st, a) => {
      if (!pull) void connection.sendDiagnostics({ uri: st.uri, version: a.version, diagnostics: diagnosticsOf(st.uri, a) });
      void connection.sendNotification(STATUS_NOTIFICATION, statusOf(st.uri, a));
      void watchRoots();
    },
    failed: (st, message) => void connection.sendNotification(STATUS_NOTIFICATION, { uri: st.uri, text: `ext4: analysis failed (${message}); see the output`, state: 'error' }),
    invalidated: () => {
      if (pull && caps.workspace?.diagnostics?.refreshSupport) connection.languages.diagnostics.refresh();
      if (caps.workspace?.codeLens?.refreshSupport) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    },
  });

  function diagnosticsOf(uri: string, a: Analysis) {
    const all = a.kind === 'patch' ? patchDiagnostics(a.view, docs) : a.data ? cFileDiagnostics(uri, a.data, a.lines, docs) : [];
    // ext4WritePath.minSeverity: 1 error … 3 information (LSP DiagnosticSeverity).
    const least = settings.minSeverity === 'error' ? 1 : settings.minSeverity === 'warning' ? 2 : 3;
    return all.filter((d) => (d.severity ?? 1) <= least);
  }

  function statusOf(uri: string, a: Analysis) {
    if (a.kind === 'patch') return patchStatus(a.view, a.noKernel);
    return a.data ? cStatus(uri, a.data) : { uri, text: 'ext4: not in a kernel tree', state: 'no-kernel' };
  }

  /** Settings from `workspace/configuration` when the client has it; true when they changed. */
  async function pullSettings(): Promise<boolean> {
    if (!caps.workspace?.configuration) return false;
    const raw = await connection.workspace.getConfiguration({ section: CLIENT_ID });
    const next = readSettings(raw, settings);
    if (sameSettings(next, settings)) return false;
    settings = next;
    return true;
  }

  /**
   * Watch fs/ext4 C files of the workspace, and of loaded kernel trees outside it when the
   * client takes relative patterns, so a tree is reloaded when its C changes on disk.
   */
  async function watchRoots(): Promise<void> {
    if (!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration) return;
    const roots = caps.workspace.didChangeWatchedFiles.relativePatternSupport ? analyzer.roots().filter((r) => !folders.some((f) => r === f || r.startsWith(`${f}/`))) : [];
    const key = roots.join('\n');
    if (watchers && key === watchedRoots) return;
    watchedRoots = key;
    const list: FileSystemWatcher[] = [{ globPattern: '**/fs/ext4/*.c' }, ...roots.map((r) => ({ globPattern: { baseUri: pathToFileURL(r).href, pattern: 'fs/ext4/*.c' } }))];
    const old = watchers;
    watchers = await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: list });
    old?.dispose();
  }

  connection.onInitialize((params): InitializeResult => {
    caps = params.capabilities ?? {};
    pull = !!caps.textDocument?.diagnostic;
    render = renderOptions(caps);
    settings = readSettings(params.initializationOptions, DEFAULT_SETTINGS);
    folders = (params.workspaceFolders ?? []).map((f) => pathOf(f.uri)).filter((p): p is string => !!p);
    if (!folders.length && params.rootUri) folders = [pathOf(params.rootUri)].filter((p): p is string => !!p);
    log.info(`ext4 write-path server: ${pull ? 'pull' : 'push'} diagnostics; ${render.clientCommands ? 'client commands' : 'plain client: text commands'}; settings ${JSON.stringify(settings)}; folders ${folders.join(', ') || '(none)'}`);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: false },
        executeCommandProvider: { commands: [SERVER_COMMANDS.trace, SERVER_COMMANDS.matrix, SERVER_COMMANDS.traceText, SERVER_COMMANDS.matrixText, SERVER_COMMANDS.openLocation, SERVER_COMMANDS.reviewComment] },
        // Inter-file: editing fs/ext4 C changes the diagnostics of open patches.
        ...(pull ? { diagnosticProvider: { identifier: CLIENT_ID, interFileDependencies: true, workspaceDiagnostics: false } } : {}),
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'ext4-write-path', version: '0.1.0' },
    };
  });

  connection.onInitialized(
    guard('initialized', log.error, undefined, async () => {
      const timer = setTimeout(markConfigured, CONFIG_WAIT_MS);
      try {
        await pullSettings();
      } catch (err) {
        log.warn(`workspace/configuration failed: ${errorText(err)}`);
      } finally {
        clearTimeout(timer);
        markConfigured();
      }
      if (caps.workspace?.didChangeConfiguration?.dynamicRegistration) await connection.client.register(DidChangeConfigurationNotification.type, { section: CLIENT_ID });
      if (caps.workspace?.workspaceFolders) {
        connection.workspace.onDidChangeWorkspaceFolders(
          guard('workspace folders', log.error, undefined, (e) => {
            const gone = new Set(e.removed.map((f) => pathOf(f.uri)));
            folders = [...folders.filter((f) => !gone.has(f)), ...e.added.map((f) => pathOf(f.uri)).filter((p): p is string => !!p)];
            analyzer.filesChanged([]);
          }),
        );
      }
      await watchRoots();
    }),
  );

  connection.onDidChangeConfiguration(
    guard('configuration', log.error, undefined, async (params) => {
      let changed: boolean;
      if (caps.workspace?.configuration) changed = await pullSettings();
      else {
        const next = readSettings(params.settings, settings);
        changed = !sameSettings(next, settings);
        settings = next;
      }
      if (changed) {
        log.info(`settings: ${JSON.stringify(settings)}`);
        analyzer.settingsChanged();
      }
    }),
  );

  connection.onDidChangeWatchedFiles(
    guard('watched files', log.error, undefined, (params) => {
      const paths = params.changes.map((c) => pathOf(c.uri)).filter((p): p is string => !!p);
      if (paths.length) analyzer.filesChanged(paths);
    }),
  );

  documents.onDidOpen((e) => guard('didOpen', log.error, undefined, () => analyzer.open(e.document))(undefined));
  documents.onDidChangeContent((e) => guard('didChange', log.error, undefined, () => analyzer.change(e.document))(undefined));
  documents.onDidClose((e) =>
    guard('didClose', log.error, undefined, () => {
      analyzer.close(e.document.uri);
      if (!pull) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    })(undefined),
  );

  connection.languages.diagnostics.on(
    guard('diagnostics', log.error, { kind: 'full', items: [] } as DocumentDiagnosticReport, async (params, token): Promise<DocumentDiagnosticReport> => {
      const a = await analyzer.current(params.textDocument.uri, token);
      if (!a) return { kind: 'full', items: [] };
      const resultId = `${a.version}.${a.epoch}`;
      if (params.previousResultId === resultId) return { kind: 'unchanged', resultId };
      return { kind: 'full', resultId, items: diagnosticsOf(params.textDocument.uri, a) };
    }, needsDocument),
  );

  connection.onHover(
    guard('hover', log.error, null, async (params, token) => {
      const a = await analyzer.current(params.textDocument.uri, token, true);
      if (!a) return null;
      if (a.kind === 'patch') {
        const hit = hunkAt(a.view, params.position);
        return hit ? { contents: patchHover(a.view, hit.path, hit.h, render) } : null;
      }
      if (!a.data) return null;
      const name = hoverFunction(a.data, a.lines, params.position.line, params.position.character);
      const contents = name ? cFunctionHover(params.textDocument.uri, a.data, name, render) : undefined;
      return contents ? { contents } : null;
    }, needsDocument),
  );

  connection.onDocumentSymbol(
    guard('documentSymbol', log.error, null, async (params, token) => {
      const a = await analyzer.current(params.textDocument.uri, token);
      return a?.kind === 'patch' ? patchSymbols(a.view) : null;
    }, needsDocument),
  );

  connection.onCodeLens(
    guard('codeLens', log.error, null, async (params, token) => {
      const a = await analyzer.current(params.textDocument.uri, token);
      return a?.kind === 'patch' ? patchCodeLenses(a.view, render, settings.codeLens) : null;
    }, needsDocument),
  );

  connection.onCodeAction(
    guard('codeAction', log.error, null, async (params, token) => {
      const only = params.context.only;
      if (only?.length && !only.some((k) => k === CodeActionKind.Empty || k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${k}.`))) return null;
      const a = await analyzer.current(params.textDocument.uri, token);
      if (!a || (a.kind === 'c' && !a.data)) return null;
      const diagnostics = params.context.diagnostics ?? [];
      const actions = a.kind === 'patch' ? patchCodeActions(a.view, params.range, diagnostics, render, a.scenarios) : cFileCodeActions(params.textDocument.uri, a.data!, params.range, diagnostics, render);
      // A client without CodeAction literals takes the commands alone.
      return caps.textDocument?.codeAction?.codeActionLiteralSupport ? actions : actions.flatMap((x) => (x.command ? [{ ...x.command, title: x.title }] : []));
    }, needsDocument),
  );

  /** A `window/showMessage` notification (`showInformationMessage` would be a showMessageRequest, which Neovim answers with a prompt). */
  function say(message: string): void {
    void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message });
  }

  /** Show a text command's answer (most clients drop an executeCommand result): the start as a message, all of it in the log. */
  function show(r: TextResponse | null): TextResponse | null {
    if (!r) return null;
    say(messageText(r));
    connection.console.log(`${r.title}\n${r.text}`);
    return r;
  }

  connection.onExecuteCommand(
    guard('executeCommand', log.error, null, async (params, token) => {
      const args = params.arguments ?? [];
      const uri = typeof args[0] === 'string' ? args[0] : undefined;
      if (!uri) return null;
      const line = typeof args[1] === 'number' && args[1] >= 0 ? Math.floor(args[1]) : undefined;
      const scenario = typeof args[2] === 'string' && args[2] ? args[2] : undefined;
      const side = args[3] === 'before' || args[3] === 'after' ? args[3] : undefined;
      switch (params.command) {
        case SERVER_COMMANDS.trace:
          return analyzer.trace(uri, line ?? 0, scenario, side, token);
        case SERVER_COMMANDS.matrix:
          return analyzer.matrix(uri, line, token);
        case SERVER_COMMANDS.traceText: {
          const t = await analyzer.trace(uri, line ?? 0, scenario, side, token);
          return show(t ? traceText(t) : null);
        }
        case SERVER_COMMANDS.matrixText: {
          const m = await analyzer.matrix(uri, line, token);
          return show(m ? matrixText(m) : null);
        }
        case SERVER_COMMANDS.reviewComment: {
          const a = await analyzer.current(uri, token, true);
          const hit = a?.kind === 'patch' && line !== undefined ? hunkOnLine(a, line) : undefined;
          return show(a?.kind === 'patch' && hit ? reviewComment(a.view, hit.h, a.scenarios) ?? null : null);
        }
        case SERVER_COMMANDS.openLocation: {
          if (line === undefined) return null;
          const where = uri.startsWith('file:') ? lineUrl({ uri, line }) : `${uri} line ${line + 1}`;
          const r: TextResponse = { title: `open ${where}`, text: where, uri, line };
          if (caps.window?.showDocument?.support) {
            const shown = await connection.window.showDocument({ uri, takeFocus: true, selection: { start: { line, character: 0 }, end: { line, character: 0 } } });
            if (shown.success) return r;
          }
          // No window/showDocument (Neovim 0.7): say where, as a path:line an editor can jump to (gF).
          const path = pathOf(uri);
          const what = typeof args[2] === 'string' && /^[\w -]{1,40}$/.test(args[2]) ? args[2] : 'line';
          say(`ext4 write path: ${what} ${path ? `${path}:${line + 1}` : where}`);
          return r;
        }
        default:
          return null;
      }
    }),
  );

  connection.onShutdown(() => {
    shutdown = true;
    watchers?.dispose();
    analyzer.dispose();
  });

  documents.listen(connection);
  connection.listen();
  return { shutdownRequested: () => shutdown };
}

if (require.main === module) {
  // Stream transports are opened here so that a framing error ends the process (transport.ts).
  const transport = openTransport(transportArg(process.argv));
  if (transport) exitOnReaderError(transport.reader);
  const connection = transport ? createConnection(ProposedFeatures.all, transport.reader, transport.writer) : createConnection(ProposedFeatures.all);
  // Last resort: an error escaping every handler is logged, and the server keeps serving.
  process.on('uncaughtException', (err) => connection.console.error(`uncaught: ${errorText(err)}`));
  process.on('unhandledRejection', (err) => connection.console.error(`unhandled rejection: ${errorText(err)}`));
  const state = startServer(connection);
  if (transport?.input) stdioHousekeeping(transport.input, state.shutdownRequested);
}
