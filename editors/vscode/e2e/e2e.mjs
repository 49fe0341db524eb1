// End-to-end test of the packaged extension in a real VS Code workbench:
// code-server 4.96.4 in headless Chromium, driven by playwright-core.
//
//   node e2e.mjs [--vsix PATH] [--code-server PATH] [--chromium PATH] [--shots DIR]
//
// Each test gets a fresh workspace folder; one code-server and one browser
// serve them all. Prints "N passed, N failed" and exits 1 on any failure.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? path.resolve(process.argv[i + 1]) : dflt;
};
const vsix = arg("vsix", path.join(repo, "editors/vscode/httpvet.vsix"));
const codeServer = arg("code-server", path.join(repo, ".cache/code-server-4.96.4/node_modules/.bin/code-server"));
const chromiumPath = arg("chromium", "/usr/bin/chromium");
const shots = arg("shots", path.join(repo, "target/vscode-e2e"));

for (const [what, p] of [["the packaged extension", vsix], ["code-server", codeServer], ["chromium", chromiumPath]]) {
  if (!fs.existsSync(p)) {
    console.error(`e2e: ${what} is missing at ${p} (.ci/run installs it)`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
}

// The VS Code DOM this test relies on, in one place (internals of 1.96.4).
const ui = {
  workbench: ".monaco-workbench",
  explorerRow: (name) => `.explorer-folders-view .monaco-list-row:has-text("${name}")`,
  problemsStatus: "#status\\.problems",
  squiggle: ".squiggly-warning, .squiggly-error",
  problemsRow: (text) => `.markers-panel .monaco-list-row:has-text("${text}")`,
  actionRow: (text) => `.action-widget .monaco-list-row:has-text("${text}")`,
  firstLine: ".view-line",
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "httpvet-e2e-"));
const home = path.join(tmp, "home");
const userData = path.join(tmp, "user-data");
const extensions = path.join(tmp, "extensions");
fs.mkdirSync(path.join(userData, "User"), { recursive: true });
fs.mkdirSync(home, { recursive: true });
fs.mkdirSync(shots, { recursive: true });
const env = {
  ...process.env,
  HOME: home,
  XDG_CONFIG_HOME: path.join(home, ".config"),
  XDG_DATA_HOME: path.join(home, ".local/share"),
  XDG_CACHE_HOME: path.join(home, ".cache"),
};
// The bundled binary must be what the extension finds.
delete env.HTTPVET_SERVER_PATH;

const settings = {
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "workbench.enableExperiments": false,
  "workbench.tips.enabled": false,
  "security.workspace.trust.enabled": false,
  "git.enabled": false,
};
fs.writeFileSync(path.join(userData, "User/settings.json"), JSON.stringify(settings, null, 2));

// A fresh copy of one of ../../testdata/<name>/ (the Go programs the editor
// tests share).
function workspace(name) {
  const dir = path.join(tmp, "ws", name);
  fs.cpSync(path.join(repo, "editors/testdata", name), dir, { recursive: true });
  fs.mkdirSync(path.join(dir, ".vscode"), { recursive: true });
  return dir;
}

async function freePort() {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer ${url}`);
}

// Installs the packaged extension exactly as a user would.
execFileSync(codeServer, ["--user-data-dir", userData, "--extensions-dir", extensions, "--install-extension", vsix, "--force"], {
  env,
  stdio: ["ignore", "pipe", "inherit"],
});

const port = await freePort();
const config = path.join(tmp, "config.yaml");
fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
const server = spawn(
  codeServer,
  [
    "--config", config, "--user-data-dir", userData, "--extensions-dir", extensions,
    "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
    "--disable-getting-started-override", "--ignore-last-opened",
  ],
  { env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
);
let serverLog = "";
server.stdout.on("data", (d) => (serverLog += d));
server.stderr.on("data", (d) => (serverLog += d));

let browser;
const results = [];
try {
  await waitHealthy(`http://127.0.0.1:${port}/healthz`, 30000);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    env: { ...env },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });

  async function open(dir, file) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dir)}`);
    await page.waitForSelector(ui.workbench, { timeout: 60000 });
    const row = page.locator(ui.explorerRow(file)).first();
    await row.waitFor({ timeout: 60000 });
    await row.click();
    return page;
  }

  async function problems(page, re, timeout = 30000) {
    await page.waitForFunction(
      ([sel, src]) => {
        const el = document.querySelector(sel);
        return !!el && new RegExp(src).test(el.getAttribute("aria-label") ?? "");
      },
      [ui.problemsStatus, re.source],
      { timeout },
    );
  }

  async function test(name, body) {
    const start = Date.now();
    try {
      await body();
      results.push(true);
      console.log(`ok   ${name} (${Date.now() - start} ms)`);
    } catch (e) {
      results.push(false);
      console.log(`FAIL ${name}: ${e.message.split("\n")[0]}`);
    }
  }

  await test("diagnostic in the Problems panel, quick fix with Ctrl+. fixes the file", async () => {
    const dir = workspace("quickfix");
    const page = await open(dir, "main.go");
    await problems(page, /Warnings: 1\b/);
    await page.waitForSelector(ui.squiggle, { timeout: 10000 });
    await page.keyboard.press("Control+Shift+M");
    await page.locator(ui.problemsRow("HV003")).first().waitFor({ timeout: 10000 });
    await page.screenshot({ path: path.join(shots, "1-diagnostic.png") });
    // Put the cursor on the reported line (14: the make call), then Ctrl+.
    await page.locator(ui.firstLine).first().click();
    await page.keyboard.press("Control+G");
    await page.keyboard.type("14:12");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Control+.");
    await page.locator(ui.actionRow("capacity")).first().waitFor({ timeout: 10000 });
    await page.screenshot({ path: path.join(shots, "2-quickfix.png") });
    await page.keyboard.press("Enter");
    await problems(page, /No Problems|Warnings: 0\b/);
    await page.keyboard.press("Control+S");
    const end = Date.now() + 10000;
    let text = "";
    while (Date.now() < end) {
      text = fs.readFileSync(path.join(dir, "main.go"), "utf8");
      if (text.includes("make(chan string, 1)")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await page.screenshot({ path: path.join(shots, "3-fixed.png") });
    if (!text.includes("make(chan string, 1)")) throw new Error(`file not fixed on disk:\n${text}`);
    await page.close();
  });

  await test("the httpvet.ignore setting hides the rule", async () => {
    // One file with two bugs, HV003 ignored in the workspace settings: one
    // publish carries both or neither, so only HV002 may show.
    const dir = workspace("ignore");
    fs.writeFileSync(path.join(dir, ".vscode/settings.json"), JSON.stringify({ "httpvet.ignore": ["HV003"] }));
    const page = await open(dir, "main.go");
    await problems(page, /Warnings: 1\b/);
    await page.keyboard.press("Control+Shift+M");
    await page.locator(ui.problemsRow("HV002")).first().waitFor({ timeout: 10000 });
    if ((await page.locator(ui.problemsRow("HV003")).count()) !== 0) throw new Error("HV003 shown although ignored");
    await page.close();
  });
} catch (e) {
  console.log(`FAIL setup: ${e.message.split("\n")[0]}`);
  results.push(false);
} finally {
  if (browser) await browser.close();
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {}
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(-server.pid, 0);
      await new Promise((r) => setTimeout(r, 100));
    } catch {
      break;
    }
  }
  try {
    process.kill(-server.pid, "SIGKILL");
  } catch {}
}

const passed = results.filter(Boolean).length;
const failed = results.length - passed;
if (failed) {
  console.log(`screenshots in ${shots}; code-server log:\n${serverLog.slice(-3000)}`);
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
