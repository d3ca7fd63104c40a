// The person in front of the browser, scripted over plain HTTP: signs in with e-mail, password
// and a TOTP code, reads the consent page, confirms with a fresh TOTP code and presses Approve,
// and later deletes the connection under Settings → App Connect → OAuth Connections. It uses
// the same forms, cookies and CSRF fields a browser does; nothing here is a test-only path.
//
// Also a command line for the Python client (one person, one TOTP history for every process):
//   node lib/person.mjs approve URL        → prints the redirect (callback URL with code and state)
//   node lib/person.mjs delete CLIENT_NAME → deletes that app's connection
// reading NL_BASE, NL_EMAIL, NL_PASSWORD, NL_TOTP_SECRET, NL_COMPANY and NL_DIR from the
// environment.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { totpAt } from "../../browser/lib.mjs";

function decode(s) {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function attr(tag, name) {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  return m ? decode(m[1]) : undefined;
}

export class Person {
  constructor({ base, email, password, totpSecret, companyId, dir }) {
    Object.assign(this, { base, email, password, totpSecret, companyId });
    // The server takes each TOTP step once per person (and one step ahead): the last step
    // used is kept in a file so that every process acting as this person agrees. The browser's
    // cookie jar is kept there too, so that the person signs in once.
    this.stepFile = path.join(dir, "totp-last-step");
    this.jarFile = path.join(dir, "person-cookies.json");
    try {
      this.cookies = new Map(JSON.parse(fs.readFileSync(this.jarFile, "utf8")));
    } catch {
      this.cookies = new Map();
    }
  }

  static fromEnv() {
    const e = process.env;
    return new Person({
      base: e.NL_BASE,
      email: e.NL_EMAIL,
      password: e.NL_PASSWORD,
      totpSecret: e.NL_TOTP_SECRET,
      companyId: e.NL_COMPANY,
      dir: e.NL_DIR,
    });
  }

  /** A code the server has not seen yet: the current step, else the next, else wait. */
  async freshCode() {
    for (;;) {
      const now = Math.floor(Date.now() / 30000);
      let last = -1;
      try {
        last = Number(fs.readFileSync(this.stepFile, "utf8")) || -1;
      } catch {}
      const step = Math.max(now, last + 1);
      if (step <= now + 1) {
        fs.writeFileSync(this.stepFile, String(step));
        return totpAt(this.totpSecret, step);
      }
      await new Promise((r) => setTimeout(r, (step - 1) * 30000 - Date.now() + 300));
    }
  }

  async request(url, { method = "GET", form, headers = {} } = {}) {
    const u = new URL(url, this.base);
    const h = { ...headers };
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      h["content-type"] = "application/x-www-form-urlencoded";
    }
    const r = await fetch(u, { method, headers: h, body, redirect: "manual" });
    for (const c of r.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || pair.slice(i + 1) === "";
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(i + 1));
    }
    fs.writeFileSync(this.jarFile, JSON.stringify([...this.cookies]));
    const text = await r.text();
    return { status: r.status, location: r.headers.get("location"), text };
  }

  static csrf(html) {
    const m = html.match(/name="csrf" value="([^"]*)"/);
    if (!m) throw new Error(`no CSRF field in:\n${html.slice(0, 2000)}`);
    return decode(m[1]);
  }

  /** Signs in (password, then a TOTP code); returns where the server sends the person next. */
  async signIn() {
    let r = await this.request("/signin");
    r = await this.request("/signin", {
      method: "POST",
      form: { csrf: Person.csrf(r.text), email: this.email, password: this.password },
    });
    if (r.status !== 303 || r.location !== "/signin/code") throw new Error(`sign-in refused (${r.status}): ${r.text.slice(0, 500)}`);
    r = await this.request("/signin/code");
    r = await this.request("/signin/code", {
      method: "POST",
      form: { csrf: Person.csrf(r.text), code: await this.freshCode() },
    });
    if (r.status !== 303) throw new Error(`TOTP refused (${r.status}): ${r.text.slice(0, 500)}`);
    return r.location;
  }

  /**
   * Opens an authorization URL as the browser would, signs in when asked, approves every
   * permission offered (for the company named, or the person's company in the picker) with a
   * fresh TOTP code, and returns the redirect back to the client.
   */
  async approve(authorizationUrl, { keep } = {}) {
    let r = await this.request(authorizationUrl);
    if (r.status === 303 && r.location.startsWith("/signin")) {
      const back = await this.signIn();
      if (!back.startsWith("/oauth/authorize?")) throw new Error(`not sent back to the request: ${back}`);
      r = await this.request(back);
    }
    if (r.status === 303) return new URL(r.location, this.base).toString(); // already approved
    if (r.status !== 200) throw new Error(`authorization page ${r.status}: ${r.text.slice(0, 1000)}`);
    const form = r.text.slice(r.text.indexOf('<form method="post" action="/oauth/authorize" class="stack">'));
    if (!form.includes("Approve")) throw new Error(`no consent form:\n${r.text.slice(0, 3000)}`);
    const fields = [];
    for (const tag of form.match(/<input [^>]*>/g) || []) {
      const type = attr(tag, "type");
      const name = attr(tag, "name");
      if (type === "hidden") fields.push([name, attr(tag, "value") ?? ""]);
      if (type === "checkbox" && name === "permission") {
        const v = attr(tag, "value");
        if (keep ? keep.includes(v) : /\schecked/.test(tag)) fields.push([name, v]);
      }
    }
    if (!fields.some(([k]) => k === "company")) fields.push(["company", this.companyId]);
    fields.push(["code", await this.freshCode()], ["decision", "approve"]);
    const params = new URLSearchParams();
    for (const [k, v] of fields) params.append(k, v);
    const done = await this.request("/oauth/authorize", {
      method: "POST",
      form: params,
      headers: { "sec-fetch-site": "same-origin", "sec-fetch-dest": "document", origin: new URL(this.base).origin },
    });
    if (done.status !== 303) throw new Error(`consent refused (${done.status}): ${done.text.slice(0, 2000)}`);
    return done.location;
  }

  /** Deletes the OAuth connection of the app named `clientName` (TOTP-confirmed). */
  async deleteConnection(clientName) {
    const page = `/app/${this.companyId}/settings/app-connect/oauth`;
    let r = await this.request(page);
    if (r.status === 303) {
      await this.signIn();
      r = await this.request(page);
    }
    if (r.status !== 200) throw new Error(`OAuth Connections page ${r.status}`);
    // The app's name is the link to the connection's page.
    const rows = r.text.split("<tr>").filter((row) => row.includes(`">${clientName}</a></strong>`));
    if (rows.length === 0) throw new Error(`no connection of ${clientName} listed:\n${r.text.slice(0, 3000)}`);
    for (const row of rows) {
      const action = decode(row.match(/action="([^"]*\/delete)"/)[1]);
      const d = await this.request(action, {
        method: "POST",
        form: { csrf: Person.csrf(row), totp: await this.freshCode() },
        headers: { origin: new URL(this.base).origin },
      });
      if (d.status !== 303) throw new Error(`delete refused (${d.status}): ${d.text.slice(0, 1000)}`);
    }
    return rows.length;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [cmd, arg] = process.argv.slice(2);
  const p = Person.fromEnv();
  if (cmd === "approve") console.log(await p.approve(arg));
  else if (cmd === "delete") console.log(await p.deleteConnection(arg));
  else {
    console.error("usage: person.mjs approve URL | delete CLIENT_NAME");
    process.exit(2);
  }
}
