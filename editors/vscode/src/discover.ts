// Finding the httpvet binary, in the order the README promises:
// $HTTPVET_SERVER_PATH, the httpvet.server.path setting, the binary bundled
// in the extension, then PATH. Each candidate must answer `--version`.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface Found {
  path: string;
  version: string;
  from: string;
}

export interface Candidate {
  path: string;
  from: string;
  /** Named by the user (environment or setting): worth a word when missing. */
  explicit: boolean;
}

export function candidates(env: NodeJS.ProcessEnv, setting: string, extensionDir: string): Candidate[] {
  const out: Candidate[] = [];
  const fromEnv = env.HTTPVET_SERVER_PATH?.trim();
  if (fromEnv) out.push({ path: fromEnv, from: "$HTTPVET_SERVER_PATH", explicit: true });
  if (setting.trim()) out.push({ path: expandHome(setting.trim(), env), from: "the httpvet.server.path setting", explicit: true });
  const exe = process.platform === "win32" ? "httpvet.exe" : "httpvet";
  out.push({ path: path.join(extensionDir, "server", exe), from: "the binary bundled with the extension", explicit: false });
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir) out.push({ path: path.join(dir, exe), from: "PATH", explicit: false });
  }
  return out;
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return p.startsWith("~/") && env.HOME ? path.join(env.HOME, p.slice(2)) : p;
}

function version(binary: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(binary, ["--version"], { timeout: 5000 }, (err, stdout) => {
      const line = stdout.toString().trim().split("\n")[0] ?? "";
      resolve(!err && line.startsWith("httpvet") ? line : undefined);
    });
  });
}

/// The first candidate that exists and answers `--version`, and a
/// description of every rejected one for the error message.
export async function discover(cands: Candidate[]): Promise<{ found?: Found; tried: string[] }> {
  const tried: string[] = [];
  for (const c of cands) {
    if (!fs.existsSync(c.path)) {
      // A missing bundled binary or PATH entry is normal.
      if (c.explicit) tried.push(`${c.path} (${c.from}): not found`);
      continue;
    }
    const v = await version(c.path);
    if (v) return { found: { path: c.path, version: v, from: c.from }, tried };
    tried.push(`${c.path} (${c.from}): does not answer --version like httpvet`);
  }
  return { tried };
}
