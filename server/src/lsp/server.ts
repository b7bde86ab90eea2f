/**
 * The language server: connection setup, the document store and request routing. The
 * work is done by Analyzer (analysis.ts, what to compute and when) and convert.ts (how
 * results look in LSP). Transport from the command line: `--stdio`, `--node-ipc`,
 * `--socket=N` (vscode-languageserver reads process.argv).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
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
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { docsBase } from '../io/docs';
import { getParser } from '../io/grammar';
import { ClientExtras, CLIENT_ID, DEFAULT_SETTINGS, Ext4WritePathSettings, SERVER_COMMANDS, STATUS_NOTIFICATION } from '../protocol';
import { Analysis, Analyzer, errorText } from './analysis';
import { hoverFunction } from './cfile';
import { busyStatus, cFileDiagnostics, cFunctionHover, cStatus, hunkAt, patchCodeLenses, patchDiagnostics, patchHover, patchStatus, patchSymbols, RenderOptions } from './convert';
import { guard } from './guard';
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
    notify: (m) => void connection.window.showWarningMessage(`ext4 write path: ${m}`),
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
    if (a.kind === 'patch') return patchDiagnostics(a.view, docs);
    return a.data ? cFileDiagnostics(uri, a.data, a.lines, docs) : [];
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
    const extras = (caps.experimental as Record<string, ClientExtras | undefined> | undefined)?.[CLIENT_ID];
    render = { html: !!caps.general?.markdown?.allowedTags?.includes('span'), codicons: !!extras?.codicons };
    settings = readSettings(params.initializationOptions, DEFAULT_SETTINGS);
    folders = (params.workspaceFolders ?? []).map((f) => pathOf(f.uri)).filter((p): p is string => !!p);
    if (!folders.length && params.rootUri) folders = [pathOf(params.rootUri)].filter((p): p is string => !!p);
    log.info(`ext4 write-path server: ${pull ? 'pull' : 'push'} diagnostics; settings ${JSON.stringify(settings)}; folders ${folders.join(', ') || '(none)'}`);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
        executeCommandProvider: { commands: [SERVER_COMMANDS.trace, SERVER_COMMANDS.matrix] },
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
    }),
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
      const contents = name ? cFunctionHover(params.textDocument.uri, a.data, name) : undefined;
      return contents ? { contents } : null;
    }),
  );

  connection.onDocumentSymbol(
    guard('documentSymbol', log.error, null, async (params, token) => {
      const a = await analyzer.current(params.textDocument.uri, token);
      return a?.kind === 'patch' ? patchSymbols(a.view) : null;
    }),
  );

  connection.onCodeLens(
    guard('codeLens', log.error, null, async (params, token) => {
      const a = await analyzer.current(params.textDocument.uri, token);
      return a?.kind === 'patch' ? patchCodeLenses(a.view, render) : null;
    }),
  );

  connection.onExecuteCommand(
    guard('executeCommand', log.error, null, async (params, token) => {
      const args = params.arguments ?? [];
      const uri = typeof args[0] === 'string' ? args[0] : undefined;
      if (!uri) return null;
      if (params.command === SERVER_COMMANDS.trace) {
        const line = typeof args[1] === 'number' && args[1] >= 0 ? Math.floor(args[1]) : 0;
        const scenario = typeof args[2] === 'string' && args[2] ? args[2] : undefined;
        const side = args[3] === 'before' || args[3] === 'after' ? args[3] : undefined;
        return analyzer.trace(uri, line, scenario, side, token);
      }
      if (params.command === SERVER_COMMANDS.matrix) return analyzer.matrix(uri, typeof args[1] === 'number' && args[1] >= 0 ? Math.floor(args[1]) : undefined, token);
      return null;
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
