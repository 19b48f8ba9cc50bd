// Installed as an init script on a probe page (never on the page the other checks use), before
// any of the page's own scripts run. It runs the page's clock SPEED times faster (timers of up
// to a minute, requestAnimationFrame timestamps, performance.now and Date.now), so that 20
// seconds of the page's life pass in about half a second, and records each region whose
// visible content changes by itself: window.__rvAdvance.report() -> {now, regions: [...]}.
//
// The page's time is one virtual clock, not real time multiplied: a timer that fires sets it
// to the time the timer was due, and any reading of it (the page's or ours) moves it on by at
// most MAX_STEP_MS of real time. A busy machine that delays the page's timers therefore
// does not stretch what the page does in its own time (a ticker told to stop after 3 s stops
// after 3 s of this clock), and loading the page takes almost none of it.
(() => {
  if (window.__rvAdvance) return;
  const SPEED = 40;          // 40 s of the page's time pass in 1 s
  const SHORT_MS = 60000;    // timers longer than this keep their real delay
  const SAMPLE_MS = 20;      // real milliseconds between samples (0.8 s of page time)
  const MAX_STEP_MS = 25;    // real milliseconds one reading of the clock may add, at most
  const MAX_REGIONS = 24;
  const MAX_ELEMENTS = 120;  // elements looked at in one region's signature
  const realSetTimeout = window.setTimeout.bind(window);
  const realSetInterval = window.setInterval.bind(window);
  const realRaf = window.requestAnimationFrame.bind(window);
  const realNow = performance.now.bind(performance);
  const realDateNow = Date.now.bind(Date);
  const t0 = realNow();
  const d0 = realDateNow();
  let pageTime = 0;          // ms of the page's time since it started
  let setAt = realNow();     // real time pageTime was last moved
  const pageMs = () => {
    const real = realNow();
    pageTime += Math.min(Math.max(real - setAt, 0), MAX_STEP_MS) * SPEED;
    setAt = real;
    return pageTime;
  };
  const reach = (due) => {
    pageMs();
    if (due > pageTime) pageTime = due;
  };
  const scaled = (ms) => (ms > 0 && ms <= SHORT_MS ? ms / SPEED : ms);
  let lastSample = 0;
  const afterCallback = () => {
    if (realNow() - lastSample >= 5) sample();  // eslint-disable-line no-use-before-define
  };
  window.setTimeout = function (fn, ms, ...args) {
    const d = Math.max(Number(ms) || 0, 0);
    if (typeof fn !== 'function') return realSetTimeout(fn, scaled(d), ...args);
    const due = pageMs() + d;
    return realSetTimeout(() => {
      reach(due);
      try { fn(...args); } finally { afterCallback(); }
    }, scaled(d));
  };
  window.setInterval = function (fn, ms, ...args) {
    const d = Math.max(Number(ms) || 0, 0);
    if (typeof fn !== 'function') return realSetInterval(fn, scaled(d), ...args);
    let due = pageMs();
    return realSetInterval(() => {
      due += d;
      reach(due);
      try { fn(...args); } finally { afterCallback(); }
    }, scaled(d));
  };
  let frameTs = null;
  let frameTime = 0;
  window.requestAnimationFrame = (cb) => realRaf((ts) => {
    if (ts !== frameTs) {  // every callback of one frame sees the same time
      frameTs = ts;
      frameTime = pageMs();
    }
    try { cb(t0 + frameTime); } finally { afterCallback(); }
  });
  performance.now = () => t0 + pageMs();
  Date.now = () => d0 + pageMs();
  // Pages that ask whether the user wants reduced motion (the Python side may look again
  // with it emulated).
  const askedReducedMotion = {value: false};
  const realMatchMedia = window.matchMedia ? window.matchMedia.bind(window) : null;
  if (realMatchMedia) {
    window.matchMedia = (query) => {
      if (/prefers-reduced-motion/i.test(String(query))) askedReducedMotion.value = true;
      return realMatchMedia(query);
    };
  }

  // Where a change belongs: a carousel or ticker by its role or name, else the element.
  const NAMED = new RegExp('(^|[-_ ])(carousel|slider|slideshow|slide-?show|slides|ticker|' +
    'marquee|rotator|rotating|news-?ticker|swiper|slick|splide|glide|flickity)s?($|[-_ ])', 'i');
  const ROLE = '[aria-roledescription="carousel" i], [role="marquee"], marquee';
  const MESSAGES = '[role="alert"], [role="status"], [role="log"], [role="timer"], ' +
    '[role="progressbar"], [aria-busy="true"]';
  // Too big to be a region of its own: the page, its main content and its landmarks.
  const PAGE = 'html, body, main, [role="main"], header, footer, nav, [role="banner"], ' +
    '[role="contentinfo"], [role="navigation"]';
  const nameOf = (n) => (typeof n.className === 'string' ? n.className : '') + ' ' + (n.id || '');
  const regionOf = (node) => {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    if (!el || !el.isConnected || !document.body || !document.body.contains(el)) return null;
    if (el === document.body || el.closest(MESSAGES)) return null;
    const role = el.closest(ROLE);
    if (role) return {el: role, named: true};
    let named = null;
    let n = el;
    for (let i = 0; n && i < 8 && n !== document.body; i++, n = n.parentElement) {
      if (NAMED.test(nameOf(n))) named = n;
    }
    if (named) return {el: named, named: true};
    if (['script', 'style', 'link', 'meta', 'noscript', 'template'].includes(el.localName) ||
        el.matches(PAGE)) {
      return null;
    }
    return {el, named: false};
  };

  // What a region shows: its visible texts and pictures and where they are, within the
  // boxes that clip it.
  const clipOf = (region) => {
    const r = region.getBoundingClientRect();
    const box = {l: Math.max(r.left, 0), r: Math.min(r.right, innerWidth), t: r.top, b: r.bottom};
    let n = region;
    for (let i = 0; n && i < 5 && n !== document.body; i++, n = n.parentElement) {
      const style = getComputedStyle(n);
      if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
        const c = n.getBoundingClientRect();
        box.l = Math.max(box.l, c.left);
        box.r = Math.min(box.r, c.right);
        box.t = Math.max(box.t, c.top);
        box.b = Math.min(box.b, c.bottom);
      }
    }
    return box.r > box.l && box.b > box.t ? box : null;
  };
  const MEDIA = new Set(['img', 'svg', 'video', 'canvas', 'picture', 'iframe']);
  const signature = (region) => {
    if (!region.isConnected) return '';
    const clip = clipOf(region);
    if (!clip) return '';
    const parts = [];
    const all = [region, ...Array.from(region.querySelectorAll('*')).slice(0, MAX_ELEMENTS)];
    for (const e of all) {
      const media = MEDIA.has(e.localName);
      let own = '';
      if (!media) {
        for (const c of e.childNodes) if (c.nodeType === 3) own += c.data;
        own = own.replace(/\s+/g, ' ').trim().slice(0, 80);
        if (!own) continue;
      }
      if (e.checkVisibility &&
          !e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
      const r = e.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) continue;
      if (Math.min(r.right, clip.r) <= Math.max(r.left, clip.l) ||
          Math.min(r.bottom, clip.b) <= Math.max(r.top, clip.t)) continue;
      const src = media ? (e.currentSrc || e.getAttribute('src') || e.getAttribute('poster') ||
        '') : '';
      parts.push(e.localName + '|' + own + '|' + src + '|' + Math.round(r.left / 8) + ',' +
        Math.round(r.top / 8));
    }
    return parts.join('\n');
  };

  const tracked = new Map();  // region element -> record
  const track = (node) => {
    const found = regionOf(node);
    if (!found || tracked.has(found.el) || tracked.size >= MAX_REGIONS) return;
    tracked.set(found.el, {el: found.el, named: found.named, last: signature(found.el),
      changes: [], shapes: new Set()});
  };
  const sample = () => {
    lastSample = realNow();
    const now = pageMs();
    for (const rec of tracked.values()) {
      const s = signature(rec.el);
      if (s !== rec.last) {
        rec.changes.push(now);
        rec.last = s;
      }
      // Text with its digits masked: a clock or a countdown only changes digits.
      rec.shapes.add(s.replace(/\d/g, '#'));
    }
  };
  const observer = new MutationObserver((records) => {
    for (const m of records) {
      track(m.target);
      if (m.type === 'childList') for (const n of m.addedNodes) track(n);
    }
  });
  // From the end of parsing: the parser's own insertions are the page being built, not
  // changing.
  const begin = () => {
    observer.observe(document, {childList: true, subtree: true, characterData: true,
      attributes: true, attributeFilter: ['class', 'style', 'hidden', 'src', 'srcset',
        'aria-hidden', 'open']});
    // Carousels and tickers are followed from the start, so their first turn counts too.
    for (const el of Array.from(document.querySelectorAll('body *')).slice(0, 3000)) {
      if (el.matches(ROLE) || NAMED.test(nameOf(el))) track(el);
    }
    realSetInterval(sample, SAMPLE_MS);
  };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', begin, {once: true});
  } else {
    begin();
  }

  const rv = () => window.__rv;
  const STOP = /\b(pause|stop|hide|close|dismiss|freeze|auto-?play|autoplay|auto play)\b/i;
  const CONTROL = 'button, [role="button"], a[href], input[type="button"], ' +
    'input[type="checkbox"], [role="switch"], [role="checkbox"]';
  const controlFor = (region) => {
    const named = (c) => {
      const n = rv().name(c) || c.getAttribute('title') || c.value || '';
      return STOP.test(n) && rv().visible(c);
    };
    const scopes = [region];
    let up = region.parentElement;
    for (let i = 0; i < 3 && up && !up.matches('html, body, main, [role="main"]'); i++) {
      scopes.push(up);
      up = up.parentElement;
    }
    for (const scope of scopes) {
      const c = Array.from(scope.querySelectorAll(CONTROL)).find(named);
      if (c) return c;
    }
    for (const c of Array.from(document.querySelectorAll('[aria-controls]')).slice(0, 1000)) {
      for (const id of (c.getAttribute('aria-controls') || '').split(/\s+/)) {
        const target = id && document.getElementById(id);
        if (target && (target.contains(region) || region.contains(target)) && named(c)) return c;
      }
    }
    return null;
  };

  const report = (since) => {
    sample();
    const from = since || 0;
    const recs = Array.from(tracked.values()).filter((r) => r.el.isConnected);
    // Unnamed siblings changing together (slides shown in turn) are one region: their parent.
    const byParent = new Map();
    for (const rec of recs) {
      if (rec.named || !rec.changes.some((t) => t >= from)) continue;
      const p = rec.el.parentElement;
      if (!p || p.matches('html, body, main, [role="main"]')) continue;
      if (!byParent.has(p)) byParent.set(p, []);
      byParent.get(p).push(rec);
    }
    const merged = new Set();
    const regions = [];
    for (const [parent, group] of byParent) {
      if (group.length < 2) continue;
      group.forEach((g) => merged.add(g));
      const times = group.flatMap((g) => g.changes).sort((a, b) => a - b);
      const changes = times.filter((t, i) => i === 0 || t - times[i - 1] > SPEED * SAMPLE_MS / 2);
      const shapes = new Set(group.flatMap((g) => Array.from(g.shapes)));
      regions.push({el: parent, changes, shapes});
    }
    for (const rec of recs) if (!merged.has(rec)) regions.push(rec);
    const changing = regions.filter((r) => r.changes.some((t) => t >= from));
    const out = [];
    for (const r of changing) {
      // The innermost region that changed is the one moving; those around it only hold it.
      if (changing.some((o) => o !== r && r.el.contains(o.el))) continue;
      const control = controlFor(r.el);
      const box = r.el.getBoundingClientRect();
      out.push(Object.assign(rv().describe(r.el, {}), {
        changes: r.changes.filter((t) => t >= from).map((t) => Math.round(t)),
        numericOnly: r.shapes.size <= 1,
        width: Math.round(box.width), height: Math.round(box.height),
        control: control ? Object.assign(rv().describe(control, {}),
          {name: (rv().name(control) || '').slice(0, 80)}) : null,
      }));
    }
    return {now: Math.round(pageMs()), regions: out, askedReducedMotion: askedReducedMotion.value};
  };
  window.__rvAdvance = {report, now: pageMs, SPEED};
})();
