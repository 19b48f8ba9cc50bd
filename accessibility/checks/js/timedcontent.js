// Installed as an init script on a probe page (never on the page the other checks use), before
// any of the page's own scripts run. It makes the page's short timers run SPEED times faster
// and records every message-like element that appears and later goes away by itself:
// window.__rvTimed.report() -> {pending, fakeNow, messages: [...]}.
(() => {
  if (window.__rvTimed) return;
  const SPEED = 20;          // 20 s of the page's time pass in 1 s
  const SHORT_MS = 60000;    // timers longer than this keep their real delay
  const SAMPLE_MS = 40;      // real milliseconds between samples (0.8 s of page time)
  const realSetTimeout = window.setTimeout.bind(window);
  const realClearTimeout = window.clearTimeout.bind(window);
  const realSetInterval = window.setInterval.bind(window);
  const realClearInterval = window.clearInterval.bind(window);
  const started = performance.now();
  const fakeNow = () => (performance.now() - started) * SPEED;
  const pending = new Set();  // ids of scaled one-shot timers not yet fired

  const scaled = (ms) => {
    const d = Number(ms) || 0;
    return d > 0 && d <= SHORT_MS ? d / SPEED : d;
  };
  window.setTimeout = function (fn, ms, ...args) {
    const short = (Number(ms) || 0) > 0 && (Number(ms) || 0) <= SHORT_MS;
    let id = null;
    const run = typeof fn === 'function'
      ? () => { pending.delete(id); fn(...args); }
      : () => { pending.delete(id); (0, eval)(String(fn)); };
    id = realSetTimeout(run, scaled(ms));
    if (short) pending.add(id);
    return id;
  };
  window.clearTimeout = (id) => { pending.delete(id); realClearTimeout(id); };
  const intervals = new Set();  // live scaled intervals (a countdown may hide a message)
  window.setInterval = function (fn, ms, ...args) {
    const id = realSetInterval(fn, scaled(ms), ...args);
    if ((Number(ms) || 0) > 0 && (Number(ms) || 0) <= SHORT_MS) intervals.add(id);
    return id;
  };
  window.clearInterval = (id) => { intervals.delete(id); realClearInterval(id); };

  // What counts as a message: a live region or alert/status (or something inside one), or a
  // fixed-position box, or an element named like a toast, snackbar or flash message.
  const LIVE = '[role="alert"], [role="status"], [role="log"], [role="alertdialog"], ' +
    '[aria-live="polite"], [aria-live="assertive"]';
  const NAMED = /(^|[-_ ])(toast|snackbar|flash|notification|notice|alert|message)s?($|[-_ ])/i;
  const SKIP = '[aria-roledescription="carousel"], [aria-roledescription="slide"], ' +
    '.carousel, .slider, marquee';
  const containerOf = (node) => {
    let el = node.nodeType === 1 ? node : node.parentElement;
    if (!el || !el.isConnected || el.closest(SKIP)) return null;
    const live = el.closest(LIVE);
    if (live) return live;
    for (let n = el; n && n !== document.body && n !== document.documentElement;
      n = n.parentElement) {
      const cls = (typeof n.className === 'string' ? n.className : '') + ' ' + (n.id || '');
      if (NAMED.test(cls)) return n;
      if (getComputedStyle(n).position === 'fixed') return n;
    }
    return null;
  };

  const tracked = new Map();   // element -> record
  const consider = (node) => {
    const el = containerOf(node);
    if (el && !tracked.has(el)) {
      tracked.set(el, {el, shownAt: null, text: '', selector: '', snippet: '', goneAt: null,
        how: '', reshown: false, controls: 0});
    }
  };
  const shownText = (el) => {
    if (!el.isConnected) return '';
    if (typeof el.checkVisibility === 'function' &&
        !el.checkVisibility({checkVisibilityCSS: true, checkOpacity: true})) return '';
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return '';
    return (el.innerText || '').replace(/\s+/g, ' ').trim();
  };

  const sample = () => {
    const now = fakeNow();
    for (const rec of tracked.values()) {
      const text = shownText(rec.el);
      if (text) {
        if (rec.goneAt !== null) { rec.reshown = true; continue; }
        if (rec.shownAt === null) {
          rec.shownAt = now;
          const rv = window.__rv;
          rec.selector = rv ? rv.selector(rec.el) : '';
          rec.snippet = rv ? rv.snippet(rec.el) : rec.el.outerHTML.slice(0, 300);
        }
        if (text.length > rec.text.length) rec.text = text.slice(0, 400);
        rec.controls = Math.max(rec.controls,
          rec.el.querySelectorAll('a[href], button, input, select, [role="button"], ' +
            '[tabindex]:not([tabindex="-1"])').length);
      } else if (rec.shownAt !== null && rec.goneAt === null) {
        rec.goneAt = now;
        rec.how = !rec.el.isConnected ? 'removed' : (rec.el.innerText || '').trim() ?
          'hidden' : 'emptied';
      }
    }
  };

  const observer = new MutationObserver((records) => {
    for (const m of records) {
      if (m.type === 'childList') {
        consider(m.target);
        for (const n of m.addedNodes) consider(n);
      } else {
        consider(m.target);
      }
    }
    sample();
  });
  const begin = () => {
    document.querySelectorAll(LIVE).forEach(consider);
    observer.observe(document.documentElement, {childList: true, subtree: true,
      characterData: true, attributes: true,
      attributeFilter: ['class', 'style', 'hidden', 'aria-hidden', 'open']});
    sample();
    realSetInterval(sample, SAMPLE_MS);
  };
  if (document.documentElement) begin();
  else document.addEventListener('readystatechange', begin, {once: true});

  const report = () => {
    sample();
    const now = fakeNow();
    const messages = [];
    for (const rec of tracked.values()) {
      if (rec.shownAt === null) continue;
      messages.push({selector: rec.selector, snippet: rec.snippet, text: rec.text,
        shownAt: rec.shownAt, goneAt: rec.goneAt, how: rec.how, reshown: rec.reshown,
        controls: rec.controls, stillShown: rec.goneAt === null ? now - rec.shownAt : null,
        visibleElsewhere: rec.goneAt !== null && !!rec.text &&
          (document.body ? document.body.innerText : '').replace(/\s+/g, ' ')
            .includes(rec.text)});
    }
    return {pending: pending.size, intervals: intervals.size, fakeNow: now, messages};
  };
  window.__rvTimed = {report, SPEED};
})();
