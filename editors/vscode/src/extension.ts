// The httpvet extension: starts `httpvet lsp` for Go files beside gopls and
// passes the httpvet.* settings to it.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";
import { candidates, discover } from "./discover";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

function settings(): object {
  const c = vscode.workspace.getConfiguration("httpvet");
  return {
    select: c.get<string[]>("select", []),
    ignore: c.get<string[]>("ignore", []),
    severity: c.get<Record<string, string>>("severity", {}),
  };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  output ??= vscode.window.createOutputChannel("httpvet");
  const setting = vscode.workspace.getConfiguration("httpvet").get<string>("server.path", "");
  const { found, tried } = await discover(candidates(process.env, setting, context.extensionPath));
  if (!found) {
    const msg =
      "httpvet: no httpvet binary found. Install it (cargo install --path server) or set httpvet.server.path." +
      (tried.length ? ` Tried: ${tried.join("; ")}.` : "");
    output.appendLine(msg);
    void vscode.window.showErrorMessage(msg);
    return;
  }
  output.appendLine(`using ${found.version} at ${found.path} (from ${found.from})`);
  if (tried.length) {
    // An explicit path that does not work is worth a word, even with a fallback.
    void vscode.window.showWarningMessage(`httpvet: skipped ${tried.join("; ")}; using ${found.path}.`);
  }
  const serverOptions: ServerOptions = {
    command: found.path,
    args: ["lsp"],
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "go" }],
    initializationOptions: settings(),
    outputChannel: output,
    synchronize: {
      // The server registers its own file watchers; settings changes are
      // pushed below so that the server sees the whole httpvet section.
    },
  };
  client = new LanguageClient("httpvet", "httpvet", serverOptions, clientOptions);
  await client.start();
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("httpvet.restart", async () => {
      await stop();
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("httpvet.server.path")) {
        await stop();
        await start(context);
      } else if (e.affectsConfiguration("httpvet") && client) {
        await client.sendNotification("workspace/didChangeConfiguration", { settings: settings() });
      }
    }),
  );
  await start(context);
}

export function deactivate(): Promise<void> {
  return stop();
}
