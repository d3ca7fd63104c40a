// Helpers of the browser suite: RFC 6238 TOTP, starting the real `newledger` binary with demo
// data, and launching Debian's Chromium through playwright-core.
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const REQUIRE_ALL = process.env.NEWLEDGER_REQUIRE_ALL === "1";
const here = path.dirname(fileURLToPath(import.meta.url));
export const SCREENSHOTS = path.join(here, "screenshots");

/** The binary under test: $NEWLEDGER_BIN, else the workspace's debug build. */
export function binary() {
  const candidates = [
    process.env.NEWLEDGER_BIN,
    process.env.CARGO_TARGET_DIR && path.join(process.env.CARGO_TARGET_DIR, "debug", "newledger"),
    path.join(here, "..", "..", "target", "debug", "newledger"),
    "/work/target/debug/newledger",
  ].filter(Boolean);
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`newledger binary not found (tried ${candidates.join(", ")}); build it with cargo build -p newledger or set NEWLEDGER_BIN`);
  return found;
}

function base32Decode(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of s.replace(/[\s=]/g, "").toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 code (HMAC-SHA1, 6 digits, 30 s) of a base32 secret for a time step. */
export function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = crypto.createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const o = h[h.length - 1] & 0x0f;
  const n = (h.readUInt32BE(o) & 0x7fffffff) % 1_000_000;
  return n.toString().padStart(6, "0");
}

const lastStep = new Map();
/**
 * A code the server has not seen for this secret yet. The server accepts each step once and
 * allows one step of drift, so we use the current step, else the next one, else wait.
 */
export async function freshCode(secret) {
  for (;;) {
    const now = Math.floor(Date.now() / 30000);
    const step = Math.max(now, (lastStep.get(secret) ?? -1) + 1);
    if (step <= now + 1) {
      lastStep.set(secret, step);
      return totpAt(secret, step);
    }
    await new Promise((r) => setTimeout(r, (step - 1) * 30000 - Date.now() + 200));
  }
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/**
 * Starts `newledger serve --demo` on a fresh SQLite file; resolves with its demo details.
 * `env` adds environment variables (e.g. NEWLEDGER_SMTP_URL).
 */
export async function startServer(env = {}) {
  const bin = binary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "newledger-browser-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const db = `sqlite://${dir}/nl.db`;
  const child = spawn(bin, ["serve", "--demo", "--listen", `127.0.0.1:${port}`, "--base-url", base, "--database-url", db], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn", ...env },
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => { err += d; });
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 180 s:\n${out}\n${err}`)), 180000);
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out}\n${err}`)); });
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("NewLedger is serving on")) {
        clearTimeout(timer);
        const field = (label) => {
          const m = out.match(new RegExp(`^\\s*${label}\\s+(\\S+)`, "m"));
          if (!m) reject(new Error(`no "${label}" in the demo output:\n${out}`));
          return m && m[1];
        };
        resolve({ email: field("E-mail"), password: field("Password"), totpSecret: field("TOTP secret"), companyId: field("Company") });
      }
    });
  });
  return {
    ...info,
    base,
    db,
    dir,
    /** Runs the CLI against the same database. */
    cli(args) {
      const r = spawnSync(bin, [...args, "--database-url", db], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`newledger ${args.join(" ")} failed: ${r.stderr}`);
      return r.stdout;
    },
    async stop() {
      child.removeAllListeners("exit");
      child.kill("SIGTERM");
      await new Promise((r) => { child.once("exit", r); setTimeout(r, 5000); });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Launches Debian's Chromium headless. */
export async function launch() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** Saves a full-page screenshot under screenshots/. */
export async function shot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const require = (await import("node:module")).createRequire(import.meta.url);
let axeSource;
/**
 * Runs axe-core (WCAG 2.1 A/AA rules and the best practices) on the page as it stands and
 * returns its violations, each as "rule: target …" lines. The script is evaluated through the
 * DevTools protocol, so the page's strict CSP stays as it is.
 */
export async function axeViolations(page) {
  axeSource ??= fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }),
  );
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
}

/** The Python with aiosmtpd (tests/smtp-sink/setup.sh installs it), or null. */
export function sinkPython() {
  const cache = process.env.NEWLEDGER_CI_CACHE || "/var/tmp/newledger-ci";
  const py = process.env.NEWLEDGER_SMTP_SINK_PYTHON || path.join(cache, "venv-smtp", "bin", "python");
  const r = spawnSync(py, ["-c", "import aiosmtpd"], { stdio: "ignore" });
  return r.status === 0 ? py : null;
}

/**
 * Starts the real SMTP sink (tests/smtp-sink/sink.py) on a free loopback port; every message
 * becomes a JSON file. Resolves with { url, waitFor(to), stop() }.
 */
export async function startSink() {
  const py = sinkPython();
  if (!py) throw new Error("aiosmtpd is not installed: run tests/smtp-sink/setup.sh");
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "newledger-smtp-"));
  const child = spawn(py, [path.join(here, "..", "smtp-sink", "sink.py"), dir, String(port)], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the SMTP sink did not start")), 20000);
    child.stdout.on("data", (d) => { if (String(d).includes("ready")) { clearTimeout(timer); resolve(); } });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`the SMTP sink exited with ${code}`)); });
  });
  const messages = () => fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")));
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    /** The newest message to `to`, waiting up to 15 s. */
    async waitFor(to, after = 0) {
      for (let i = 0; i < 150; i++) {
        const found = messages().slice(after).reverse().find((m) => m.to.includes(to));
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no mail to ${to}; got ${JSON.stringify(messages())}`);
    },
    async stop() {
      child.removeAllListeners("exit");
      child.stdin.end();
      child.kill("SIGTERM");
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The first link in a message's text starting with `prefix`. */
export function linkIn(message, prefix) {
  const i = message.text.indexOf(prefix);
  if (i < 0) throw new Error(`no ${prefix} link in ${message.text}`);
  return message.text.slice(i).split(/\s/)[0];
}
