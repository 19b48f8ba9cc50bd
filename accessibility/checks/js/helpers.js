// Shared in-page helpers for Resident Voice's browser checks, installed as window.__rv.
// Evaluated through the DevTools protocol (not a <script> tag) so a strict CSP cannot block it.
(() => {
  if (window.__rv) return;
  const MAX_SNIPPET = 300;

  const uniqueId = (el) => {
    if (!el.id) return false;
    try {
      return document.querySelectorAll('#' + CSS.escape(el.id)).length === 1;
    } catch (e) {
      return false;
    }
  };

  // A unique, stable selector: the nearest unique id, then tag:nth-of-type steps down to el.
  const selector = (el) => {
    if (!(el instanceof Element)) return '';
    const parts = [];
    let node = el;
    while (node && node.nodeType === 1) {
      if (uniqueId(node)) {
        parts.unshift('#' + CSS.escape(node.id));
        break;
      }
      const tag = node.localName;
      if (tag === 'html' || tag === 'body' || tag === 'head') {
        parts.unshift(tag);
        if (tag === 'html') break;
        node = node.parentElement;
        continue;
      }
      const parent = node.parentElement;
      let step = tag;
      if (parent) {
        const same = Array.from(parent.children).filter((c) => c.localName === tag);
        if (same.length > 1) step += ':nth-of-type(' + (same.indexOf(node) + 1) + ')';
      }
      parts.unshift(step);
      node = parent;
    }
    return parts.join(' > ');
  };

  // The element's opening tag and the start of its content, for a report's snippet.
  const snippet = (el) => {
    if (!(el instanceof Element)) return '';
    const html = el.outerHTML || '';
    return html.length > MAX_SNIPPET ? html.slice(0, MAX_SNIPPET - 1) + '…' : html;
  };

  const visible = (el) => {
    if (!(el instanceof Element)) return false;
    if (typeof el.checkVisibility === 'function') {
      if (!el.checkVisibility({ checkVisibilityCSS: true, checkOpacity: false })) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };

  // Hidden from assistive technology as well as from sight.
  const hiddenFromAT = (el) => !!el.closest('[aria-hidden="true"], [hidden], [inert]');

  // Accessible name computed by axe-core's implementation of accname (when axe is loaded).
  // axe's virtual tree is built once and torn down after the current task, so a check naming
  // thousands of elements in one evaluate pays for one setup, and axe.run later starts clean.
  let treeReady = false;
  const name = (el) => {
    if (window.axe && axe.commons && axe.utils) {
      try {
        if (!axe._tree) {
          axe.setup(document);
          if (!treeReady) {
            treeReady = true;
            setTimeout(() => {
              treeReady = false;
              try { axe.teardown(); } catch (e) { /* already torn down */ }
            }, 0);
          }
        }
        return (axe.commons.text.accessibleText(el) || '').trim();
      } catch (e) {
        // fall through to the plain approximation below
      }
    }
    const label = el.getAttribute('aria-label');
    if (label && label.trim()) return label.trim();
    return (el.innerText || el.textContent || el.getAttribute('title') || '').trim();
  };

  const describe = (el, extra) =>
    Object.assign({ selector: selector(el), snippet: snippet(el) }, extra || {});

  const FOCUSABLE =
    'a[href], area[href], button, input:not([type="hidden"]), select, textarea, iframe, ' +
    'summary, audio[controls], video[controls], [contenteditable]:not([contenteditable="false"]), ' +
    '[tabindex]';

  window.__rv = { selector, snippet, visible, hiddenFromAT, name, describe, FOCUSABLE };
})();
