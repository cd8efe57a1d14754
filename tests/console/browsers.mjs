// The browser the console tests drive (the web client's tests in tests/browser use it for Firefox),
// chosen by CONSOLE_BROWSER or the caller:
//
//   chromium (default)  Debian's Chromium through playwright-core (Chrome DevTools Protocol)
//   firefox             Debian's firefox-esr through puppeteer-core (WebDriver BiDi, no driver binary)
//
// Both are started headless with a fresh profile and may reach 127.0.0.1 only. For Chromium the
// tests use Playwright's own objects; for Firefox this module gives puppeteer-core's page the part of
// Playwright's page and locator API the tests use (same names, same waiting and strictness rules),
// so one scenario file runs in both. It does not try to be a general Playwright replacement.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const browserName = process.env.CONSOLE_BROWSER || "chromium";

// Any URL the console may load: everything else is reported as an external request.
const LOCAL = /^(http:\/\/127\.0\.0\.1|ws:\/\/127\.0\.0\.1|data:|blob:|about:)/;
const EXTERNAL = /^(?!http:\/\/127\.0\.0\.1|ws:\/\/127\.0\.0\.1|data:|blob:|about:)/;

/**
 * Launches the browser `name` (default CONSOLE_BROWSER). The result has `name`, `version`,
 * `newContext({ viewport, onExternalRequest(url) })` (a context with `newPage()` and `close()`;
 * requests to other hosts are reported when `onExternalRequest` is given) and `close()`.
 */
export async function launchBrowser({ name = browserName } = {}) {
  if (name === "chromium") return launchChromium();
  if (name === "firefox") return launchFirefox();
  throw new Error(`browser ${name}: expected chromium or firefox`);
}

async function launchChromium() {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    name: "chromium",
    version: browser.version(),
    async newContext({ viewport, onExternalRequest }) {
      const ctx = await browser.newContext({ viewport, acceptDownloads: true });
      if (onExternalRequest) {
        await ctx.route(EXTERNAL, (route) => {
          onExternalRequest(route.request().url());
          route.abort();
        });
      }
      return ctx;
    },
    close: () => browser.close(),
  };
}

/**
 * Preferences of the fresh Firefox profile, on top of those puppeteer-core and Firefox's remote
 * agent already set: every connection Firefox proxies goes to a closed SOCKS port, names resolved
 * by it (127.0.0.1 itself is never proxied), and the services that would phone home are off.
 * MOZ_REMOTE_SETTINGS_DEVTOOLS (below) lets a release build honour services.settings.server, so
 * Remote Settings does not even look up its host.
 */
const FIREFOX_PREFS = {
  "network.proxy.type": 1,
  "network.proxy.share_proxy_settings": false,
  "network.proxy.socks": "127.0.0.1",
  "network.proxy.socks_port": 9,
  "network.proxy.socks_version": 5,
  "network.proxy.socks_remote_dns": true,
  "network.proxy.no_proxies_on": "",
  "network.proxy.allow_hijacking_localhost": false,
  "network.dns.disablePrefetch": true,
  "network.prefetch-next": false,
  "network.predictor.enabled": false,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "network.trr.mode": 5,
  "app.update.auto": false,
  "app.update.enabled": false,
  "app.update.disabledForTesting": true,
  "app.normandy.enabled": false,
  "app.shield.optoutstudies.enabled": false,
  "services.settings.server": "http://127.0.0.1:9/v1",
  "toolkit.telemetry.enabled": false,
  "toolkit.telemetry.unified": false,
  "toolkit.telemetry.archive.enabled": false,
  "toolkit.telemetry.server": "",
  "datareporting.healthreport.uploadEnabled": false,
  "datareporting.policy.dataSubmissionEnabled": false,
  "browser.ping-centre.telemetry": false,
  "browser.newtabpage.activity-stream.feeds.telemetry": false,
  "browser.newtabpage.activity-stream.telemetry": false,
  "browser.safebrowsing.provider.mozilla.updateURL": "",
  "browser.safebrowsing.provider.google4.updateURL": "",
  "browser.safebrowsing.provider.google.updateURL": "",
  "extensions.blocklist.enabled": false,
  "extensions.systemAddon.update.enabled": false,
  "media.gmp-gmpopenh264.enabled": false,
  "media.gmp-widevinecdm.enabled": false,
  "dom.push.connection.enabled": false,
  "security.OCSP.enabled": 0,
  "security.remote_settings.crlite_filters.enabled": false,
  "security.remote_settings.intermediates.enabled": false,
  "browser.download.folderList": 2,
  "browser.download.useDownloadDir": true,
  "browser.download.always_ask_before_handling_new_types": false,
  "browser.download.manager.showWhenStarting": false,
  "browser.download.alwaysOpenPanel": false,
};

async function launchFirefox() {
  const { default: puppeteer } = await import("puppeteer-core");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "console-firefox-"));
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: process.env.FIREFOX_BIN || "/usr/bin/firefox-esr",
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: FIREFOX_PREFS,
    env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: "1", MOZ_REMOTE_SETTINGS_DEVTOOLS: "1" },
  });
  const version = await browser.version();
  const scratchDirs = [];
  return {
    name: "firefox",
    version,
    async newContext({ viewport, onExternalRequest }) {
      // Downloads and files to upload live in a directory of the context's own.
      const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "console-firefox-files-"));
      scratchDirs.push(scratch);
      const downloads = path.join(scratch, "downloads");
      fs.mkdirSync(downloads);
      const ctx = await browser.createBrowserContext({ downloadBehavior: { policy: "allow", downloadPath: downloads } });
      return new FirefoxContext(ctx, { viewport, onExternalRequest, scratch, downloads });
    },
    async close() {
      await browser.close();
      for (const dir of [profile, ...scratchDirs]) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

class FirefoxContext {
  constructor(ctx, options) {
    this.ctx = ctx;
    this.options = options;
  }

  async newPage() {
    const page = await this.ctx.newPage();
    if (this.options.viewport) await page.setViewport(this.options.viewport);
    page.on("request", (r) => {
      if (!LOCAL.test(r.url())) this.options.onExternalRequest?.(r.url());
    });
    return new FirefoxPage(page, this.options.scratch, this.options.downloads);
  }

  async close() {
    await this.ctx.close();
    fs.rmSync(this.options.scratch, { recursive: true, force: true });
  }
}

const POLL_MS = 50;
const DEFAULT_TIMEOUT = 30000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A `hasText` option as something the page can rebuild: strings match case-insensitively. */
function textMatcher(hasText) {
  if (hasText === undefined) return undefined;
  if (hasText instanceof RegExp) return { source: hasText.source, flags: hasText.flags };
  return { substring: String(hasText) };
}

/**
 * Runs in the page (self-contained, as it is sent as source): the elements a chain of steps
 * selects, in document order. A step is a CSS selector applied below every element so far, a text
 * filter, or an index. `mode` "probe" answers count, visibility and enabled state of the first
 * match; "element" answers the first match itself.
 */
function inPage(steps, mode) {
  const normal = (s) => s.replace(/\s+/g, " ").trim();
  const matches = (el, m) => {
    const text = normal(el.textContent ?? "");
    if (m.substring !== undefined) return text.toLowerCase().includes(normal(m.substring).toLowerCase());
    return new RegExp(m.source, m.flags).test(text);
  };
  let els = [document];
  for (const step of steps) {
    if (step.css !== undefined) {
      const found = new Set();
      for (const el of els) for (const child of el.querySelectorAll(step.css)) found.add(child);
      els = [...found].sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    }
    if (step.text !== undefined) els = els.filter((el) => matches(el, step.text));
    if (step.nth !== undefined) els = els.slice(step.nth, step.nth + 1);
  }
  const el = els[0];
  if (mode === "element") return el;
  if (!el) return { count: 0, visible: false, enabled: false };
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const visible = rect.width > 0 && rect.height > 0 && style.visibility !== "hidden";
  const enabled = !(el.disabled || el.closest("fieldset[disabled]") || el.getAttribute("aria-disabled") === "true");
  return { count: els.length, visible, enabled };
}

/**
 * Runs in the page: scrolls the element into view and answers the centre of its box once the box
 * stayed put for two animation frames and the element (or a descendant) is on top there; null
 * when it is moving or covered.
 */
async function clickPoint(el) {
  // A frame, or 100 ms where a tab in the background gets none.
  const frame = () => new Promise((r) => {
    requestAnimationFrame(() => r());
    setTimeout(r, 100);
  });
  const box = () => el.getBoundingClientRect();
  const inView = (r) => r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
  if (!inView(box())) el.scrollIntoView({ block: "center", inline: "center" });
  const a = box();
  await frame();
  await frame();
  const b = box();
  if (a.x !== b.x || a.y !== b.y || a.width !== b.width || a.height !== b.height) return null;
  const x = b.left + b.width / 2;
  const y = b.top + b.height / 2;
  const hit = document.elementFromPoint(x, y);
  if (!hit || !(hit === el || el.contains(hit))) return null;
  // Like Playwright's hit-target check: until the click arrives, mouse events aimed elsewhere (the
  // layout moved after the point was taken) are stopped before the page sees them.
  if (!window.__testClickGuard) {
    window.__testClickGuard = { el: null, state: "idle", missed: false };
    const guard = (e) => {
      const g = window.__testClickGuard;
      if (g.state !== "armed") return;
      const onTarget = e.target === g.el || g.el.contains(e.target);
      if (!onTarget) {
        e.preventDefault();
        e.stopImmediatePropagation();
        if (e.type === "click") g.state = "missed";
        else g.missed = true;
      } else if (e.type === "click") {
        g.state = g.missed ? "missed" : "clicked";
      }
    };
    for (const type of ["pointerdown", "mousedown", "pointerup", "mouseup", "click"]) addEventListener(type, guard, true);
  }
  Object.assign(window.__testClickGuard, { el, state: "armed", missed: false });
  return { x, y };
}

/** Runs in the page: "armed" until the click arrived, then "clicked" or "missed". */
function clickState() {
  const g = window.__testClickGuard;
  return g ? g.state : "gone";
}

/** Playwright's locator, as far as the tests use it. */
class FirefoxLocator {
  constructor(page, steps) {
    this.page = page;
    this.steps = steps;
  }

  get description() {
    return this.steps.map((s) => (s.css ?? (s.nth !== undefined ? `nth=${s.nth}` : `hasText=${JSON.stringify(s.text)}`))).join(" >> ");
  }

  locator(css, { hasText } = {}) {
    return new FirefoxLocator(this.page, [...this.steps, { css, text: textMatcher(hasText) }]);
  }

  first() {
    return new FirefoxLocator(this.page, [...this.steps, { nth: 0 }]);
  }

  filter({ hasText }) {
    return new FirefoxLocator(this.page, [...this.steps, { text: textMatcher(hasText) }]);
  }

  probe() {
    return this.page.raw.evaluate(inPage, this.steps, "probe");
  }

  async count() {
    return (await this.probe()).count;
  }

  /** Polls until `ready(probe)` holds; like Playwright, more than one match is an error for an action. */
  async until(ready, what, { timeout = DEFAULT_TIMEOUT, strict = true } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const p = await this.probe();
      if (strict && p.count > 1) throw new Error(`strict mode violation: ${this.description} matches ${p.count} elements`);
      if (ready(p)) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout}ms waiting for ${this.description} to be ${what}`);
      await sleep(POLL_MS);
    }
  }

  async waitFor({ state = "visible", timeout } = {}) {
    const wanted = {
      visible: (p) => p.count === 1 && p.visible,
      attached: (p) => p.count === 1,
      hidden: (p) => p.count === 0 || !p.visible,
      detached: (p) => p.count === 0,
    }[state];
    await this.until(wanted, state, { timeout });
  }

  /** The element, once it is the only match, visible and (for actions that need it) enabled. */
  async handle({ enabled = false, timeout } = {}) {
    await this.until((p) => p.count === 1 && p.visible && (!enabled || p.enabled), enabled ? "visible and enabled" : "visible", { timeout });
    const h = await this.page.raw.evaluateHandle(inPage, this.steps, "element");
    const el = h.asElement();
    if (!el) throw new Error(`${this.description} went away`);
    return el;
  }

  async attachedHandle() {
    await this.until((p) => p.count === 1, "attached");
    const h = await this.page.raw.evaluateHandle(inPage, this.steps, "element");
    return h.asElement();
  }

  async read(fn, ...args) {
    const el = await this.attachedHandle();
    try {
      return await el.evaluate(fn, ...args);
    } finally {
      await el.dispose();
    }
  }

  /**
   * Like Playwright: once the element is in view, has kept its place for two frames and is what
   * the page would hit at its centre, a mouse click there.
   */
  async click({ timeout = DEFAULT_TIMEOUT } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const el = await this.handle({ enabled: true, timeout: Math.max(0, deadline - Date.now()) });
      try {
        const point = await el.evaluate(clickPoint);
        if (point) {
          await this.page.raw.mouse.click(point.x, point.y);
          if ((await this.clickOutcome()) === "clicked") return;
        }
      } finally {
        await el.dispose();
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout}ms waiting for ${this.description} to take a click`);
      await sleep(POLL_MS);
    }
  }

  /**
   * Waits until the page has dispatched the click (WebDriver BiDi may answer before the content
   * process has), so what the test reads next sees its effect, as with Playwright. Answers
   * "clicked", or "missed" when the guard stopped it.
   */
  async clickOutcome() {
    const deadline = Date.now() + 5000;
    for (;;) {
      let state;
      try {
        state = await this.page.raw.evaluate(clickState);
      } catch {
        return "clicked"; // the click navigated away
      }
      if (state === "missed") return state;
      if (state !== "armed") return "clicked";
      if (Date.now() > deadline) throw new Error(`click on ${this.description} never reached the page`);
      await sleep(POLL_MS / 5);
    }
  }

  /** Replaces the field's text as typed by a user: select all, then type (or delete). */
  async fill(value) {
    const el = await this.handle({ enabled: true });
    try {
      await el.focus();
      await el.evaluate((e) => e.select());
      if (value === "") await this.page.raw.keyboard.press("Backspace");
      else await this.page.raw.keyboard.type(value);
      const now = await el.evaluate((e) => e.value);
      if (now !== value) throw new Error(`fill ${this.description}: field holds ${JSON.stringify(now)}, not ${JSON.stringify(value)}`);
    } finally {
      await el.dispose();
    }
  }

  async selectOption(value) {
    const el = await this.handle({ enabled: true });
    try {
      const picked = await el.select(value);
      if (!picked.includes(value)) {
        // Playwright also matches an option by its label.
        const byLabel = await el.evaluate((s, v) => [...s.options].find((o) => o.label === v)?.value, value);
        if (byLabel === undefined || !(await el.select(byLabel)).includes(byLabel)) throw new Error(`${this.description} has no option ${value}`);
      }
    } finally {
      await el.dispose();
    }
  }

  async check() {
    if (!(await this.read((e) => e.checked))) await this.click();
    if (!(await this.read((e) => e.checked))) throw new Error(`${this.description} did not become checked`);
  }

  /** Playwright's `{ name, mimeType, buffer }`: written to a file of that name, then given to the input. */
  async setInputFiles({ name, buffer }) {
    // Firefox reads the file when the page does, so it stays until the context closes.
    const dir = fs.mkdtempSync(path.join(this.page.scratch, "upload-"));
    const file = path.join(dir, name);
    fs.writeFileSync(file, buffer);
    const el = await this.attachedHandle();
    try {
      await el.uploadFile(file);
    } finally {
      await el.dispose();
    }
  }

  innerText() {
    return this.read((e) => e.innerText);
  }

  textContent() {
    return this.read((e) => e.textContent);
  }

  inputValue() {
    return this.read((e) => e.value);
  }

  getAttribute(name) {
    return this.read((e, n) => e.getAttribute(n), name);
  }

  async isDisabled() {
    return !(await this.probe()).enabled;
  }
}

/** Playwright's page, as far as the tests use it, over a puppeteer-core page. */
class FirefoxPage {
  constructor(raw, scratch, downloads) {
    this.raw = raw;
    this.scratch = scratch;
    this.downloads = downloads;
  }

  /** `console` messages have `type()` and `text()`; `pageerror` gives an Error, as in Playwright. */
  on(event, handler) {
    this.raw.on(event, handler);
  }

  async goto(url) {
    await this.raw.goto(url, { waitUntil: "load" });
  }

  async reload() {
    await this.raw.reload({ waitUntil: "load" });
  }

  evaluate(fn, arg) {
    return this.raw.evaluate(fn, arg);
  }

  async waitForFunction(fn, arg, { timeout = DEFAULT_TIMEOUT } = {}) {
    await this.raw.waitForFunction(fn, { timeout, polling: POLL_MS }, arg);
  }

  waitForTimeout(ms) {
    return sleep(ms);
  }

  locator(css, { hasText } = {}) {
    return new FirefoxLocator(this, [{ css, text: textMatcher(hasText) }]);
  }

  click(css) {
    return this.locator(css).click();
  }

  fill(css, value) {
    return this.locator(css).fill(value);
  }

  check(css) {
    return this.locator(css).check();
  }

  selectOption(css, value) {
    return this.locator(css).selectOption(value);
  }

  inputValue(css) {
    return this.locator(css).inputValue();
  }

  setInputFiles(css, file) {
    return this.locator(css).setInputFiles(file);
  }

  async screenshot({ path: file, fullPage = false }) {
    await this.raw.screenshot({ path: file, fullPage });
  }

  async setViewportSize({ width, height }) {
    await this.raw.setViewport({ width, height });
  }

  /**
   * Only "download": resolves once one new file has settled in the context's download directory,
   * with Playwright's `path()`. Firefox writes under a temporary name (or `<name>.part`) and renames
   * at the end, so the directory must keep the same single new file and size for half a second.
   */
  waitForEvent(event, { timeout = DEFAULT_TIMEOUT } = {}) {
    if (event !== "download") throw new Error(`waitForEvent(${event}) is not supported for Firefox`);
    const dir = this.downloads;
    const before = new Set(fs.readdirSync(dir));
    const deadline = Date.now() + timeout;
    const snapshot = () => {
      const fresh = fs.readdirSync(dir).filter((f) => !before.has(f));
      if (fresh.length !== 1 || fresh[0].endsWith(".part")) return null;
      try {
        return { name: fresh[0], size: fs.statSync(path.join(dir, fresh[0])).size };
      } catch {
        return null; // renamed between the listing and the stat
      }
    };
    return (async () => {
      let last = null;
      let steady = 0;
      for (;;) {
        const now = snapshot();
        steady = now && last && now.name === last.name && now.size === last.size ? steady + 1 : 0;
        last = now;
        if (steady >= 5) return { path: async () => path.join(dir, now.name), suggestedFilename: () => now.name };
        if (Date.now() > deadline) throw new Error(`no download settled within ${timeout}ms`);
        await sleep(100);
      }
    })();
  }

  async close() {
    await this.raw.close();
  }
}
