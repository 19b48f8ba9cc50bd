// Text that is clipped or overlaps, measured before and after a text change (200 % text,
// WCAG 1.4.12 spacing). window.__rvText.measure() returns keys of clipped boxes and of
// overlapping pairs of text lines; the checks report what is new after the change.
(() => {
  if (window.__rvText) return;
  const rv = window.__rv;
  const FIELD = 'input, select, textarea, option, script, style, noscript, svg';
  let ids = new WeakMap(), next = 1;
  const idOf = (el) => { if (!ids.has(el)) ids.set(el, next++); return ids.get(el); };

  const tiny = (r) => r.width <= 2 || r.height <= 2;

  const clipped = () => {
    const out = {};
    for (const el of Array.from(document.body.querySelectorAll('*')).slice(0, 6000)) {
      if (el.matches(FIELD) || !rv.visible(el)) continue;
      const cs = getComputedStyle(el);
      const hx = ['hidden', 'clip'].includes(cs.overflowX);
      const hy = ['hidden', 'clip'].includes(cs.overflowY);
      if (!hx && !hy) continue;
      if (tiny(el.getBoundingClientRect()) || cs.clip !== 'auto') continue;
      if (!(el.innerText || '').trim()) continue;
      const cutX = hx && el.scrollWidth > el.clientWidth + 2;
      const cutY = hy && el.scrollHeight > el.clientHeight + 2;
      if (cutX || cutY) out[idOf(el)] = rv.describe(el);
    }
    return out;
  };

  // Text that floats above the page on purpose (modal dialogs, popovers, fixed and sticky
  // bars) overlaps the page by design; only text in the page's own flow is compared.
  const overlay = (el) => {
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      if (n.matches('dialog[open], :modal, :popover-open')) return true;
      const pos = getComputedStyle(n).position;
      if (pos === 'fixed' || pos === 'sticky') return true;
    }
    return false;
  };

  const lines = () => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let node, count = 0;
    while ((node = walker.nextNode()) && count < 1500) {
      if (!node.textContent.trim()) continue;
      const parent = node.parentElement;
      if (!parent || parent.closest(FIELD) || !rv.visible(parent) || overlay(parent)) continue;
      const cs = getComputedStyle(parent);
      if (cs.clip !== 'auto' || tiny(parent.getBoundingClientRect())) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        if (r.width < 2 || r.height < 2) continue;
        out.push({r, el: parent, key: idOf(parent)});
        count++;
      }
    }
    return out;
  };

  const overlaps = () => {
    const ls = lines().sort((a, b) => a.r.top - b.r.top);
    const out = {};
    for (let i = 0; i < ls.length; i++) {
      for (let j = i + 1; j < ls.length && ls[j].r.top < ls[i].r.bottom; j++) {
        const a = ls[i], b = ls[j];
        if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 2 && h > 3) {
          const key = Math.min(a.key, b.key) + '-' + Math.max(a.key, b.key);
          if (!out[key]) out[key] = Object.assign(rv.describe(a.el), {other: rv.selector(b.el)});
        }
      }
    }
    return out;
  };

  const measure = () => ({clipped: clipped(), overlaps: overlaps()});
  window.__rvText = {measure};
})();
