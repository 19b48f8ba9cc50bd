// Tab-walk probes for the keyboard, focus-visible and focus-obscured checks.
// window.__rvWalk.prepare() snapshots every tabbable element's unfocused styles;
// window.__rvWalk.step() describes the element that has focus after a Tab press.
(() => {
  if (window.__rvWalk) return;
  const rv = window.__rv;
  const PLAIN = ['box-shadow', 'background-color', 'background-image', 'color', 'opacity',
                 'filter', 'transform', 'clip', 'clip-path', 'width', 'height'];

  // Visual state of one box. Parts that cannot show (an outline or border whose style is
  // none or width 0, a decoration with no line) are folded to 'none', so a change that no one
  // can see (Chromium's outline-offset on :focus-visible under outline: none) is not a change.
  const visual = (cs, pseudo) => {
    const out = [];
    const outline = cs.getPropertyValue('outline-style');
    const ow = parseFloat(cs.getPropertyValue('outline-width')) || 0;
    out.push(outline === 'none' || ow === 0 ? 'none' :
      [outline, ow, cs.getPropertyValue('outline-color'), cs.getPropertyValue('outline-offset')]
        .join(' '));
    for (const side of ['top', 'right', 'bottom', 'left']) {
      const st = cs.getPropertyValue('border-' + side + '-style');
      const w = parseFloat(cs.getPropertyValue('border-' + side + '-width')) || 0;
      out.push(st === 'none' || st === 'hidden' || w === 0 ? 'none' :
        [st, w, cs.getPropertyValue('border-' + side + '-color')].join(' '));
    }
    const line = cs.getPropertyValue('text-decoration-line');
    out.push(line === 'none' ? 'none' : [line, cs.getPropertyValue('text-decoration-style'),
      cs.getPropertyValue('text-decoration-color'),
      cs.getPropertyValue('text-decoration-thickness')].join(' '));
    for (const p of PLAIN) out.push(cs.getPropertyValue(p));
    if (pseudo) out.push(cs.getPropertyValue('content'));
    return out.join('|');
  };

  // Where a focus indicator may be drawn, as Alfa's R65 looks: the element and its pseudo
  // elements, its descendants, every ancestor (:focus-within), plus the places custom
  // controls draw it: the element's labels and its next sibling (input:focus + label::before).
  const MAX_DESCENDANTS = 20;
  const related = (el) => {
    const boxes = [el];
    boxes.push(...Array.from(el.querySelectorAll('*')).slice(0, MAX_DESCENDANTS));
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      boxes.push(a);
    }
    for (const label of Array.from(el.labels || [])) boxes.push(label);
    if (el.nextElementSibling) boxes.push(el.nextElementSibling);
    return boxes;
  };

  // While prepare() snapshots every tabbable element nothing has focus, so the boxes they
  // share (their ancestors: main, body...) look the same for each: read each box once.
  let memo = null;
  const boxState = (node) => {
    if (memo && memo.has(node)) return memo.get(node);
    const state = [visual(getComputedStyle(node), false)];
    for (const pseudo of ['::before', '::after']) {
      state.push(visual(getComputedStyle(node, pseudo), true));
    }
    if (memo) memo.set(node, state);
    return state;
  };

  const snapshot = (el) => {
    const parts = [];
    for (const node of related(el)) parts.push(...boxState(node));
    return parts;
  };

  const deepActive = () => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el;
  };

  const isTabbable = (el) => {
    if (!el.matches(rv.FOCUSABLE) || el.disabled || el.closest('[inert]')) return false;
    if (el.tabIndex < 0) return false;
    return rv.visible(el);
  };

  const inModal = (el) =>
    !!el.closest('[aria-modal="true"], dialog:modal');

  // Covered = topmost element at the point is neither el nor related to it, and is (inside)
  // something fixed or sticky: a banner, header or cookie bar over the focused element.
  const coverOf = (el, x, y) => {
    const top = document.elementFromPoint(x, y);
    if (!top || el.contains(top) || top.contains(el)) return null;
    for (let n = top; n && n.nodeType === 1; n = n.parentElement) {
      const pos = getComputedStyle(n).position;
      if (pos === 'fixed' || pos === 'sticky') return n;
    }
    return null;
  };

  const obscured = (el) => {
    const r = el.getBoundingClientRect();
    const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
    const left = Math.max(r.left, 0), right = Math.min(r.right, vw);
    const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, vh);
    if (right - left < 1 || bottom - top < 1) return {state: 'offscreen'};
    let covered = 0, total = 0, by = null;
    for (const fx of [0.1, 0.5, 0.9]) {
      for (const fy of [0.1, 0.5, 0.9]) {
        total++;
        const c = coverOf(el, left + (right - left) * fx, top + (bottom - top) * fy);
        if (c) { covered++; by = by || c; }
      }
    }
    const state = covered === 0 ? 'none' : covered === total ? 'full' : 'partial';
    return {state, by: by ? rv.selector(by) : null};
  };

  let base = new WeakMap();
  let ids = new WeakMap();
  let nextId = 1;
  let previous = null;
  const idOf = (el) => {
    if (!ids.has(el)) ids.set(el, nextId++);
    return ids.get(el);
  };

  const prepare = () => {
    base = new WeakMap();
    previous = null;
    const tabbable = [];
    memo = new Map();
    try {
      for (const el of Array.from(document.querySelectorAll(rv.FOCUSABLE)).slice(0, 3000)) {
        if (!isTabbable(el)) continue;
        base.set(el, snapshot(el));
        tabbable.push(rv.describe(el, {id: idOf(el)}));
      }
    } finally {
      memo = null;
    }
    return tabbable;
  };

  const step = () => {
    const el = deepActive();
    if (!el || el === document.body || el === document.documentElement) {
      return {body: true};
    }
    const before = base.get(el);
    const now = snapshot(el);
    let backwards = false;
    if (previous && previous !== el && previous.isConnected) {
      backwards = !!(previous.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING) &&
                  !previous.contains(el) && !el.contains(previous);
    }
    const prevTabindex = previous ? previous.tabIndex : 0;
    const prevSelector = previous ? rv.selector(previous) : null;
    const prevSnippet = previous ? rv.snippet(previous) : null;
    previous = el;
    return rv.describe(el, {
      id: idOf(el),
      tag: el.localName,
      tabindex: el.tabIndex,
      prevTabindex,
      prevSelector,
      prevSnippet,
      // Tab moves inside these without changing document.activeElement (frames, media
      // controls, date/time fields), so repeats of them are not a trap.
      iframe: ['iframe', 'frame', 'object', 'embed', 'audio', 'video'].includes(el.localName) ||
              (el.localName === 'input' &&
               ['date', 'time', 'datetime-local', 'month', 'week'].includes(el.type)),
      modal: inModal(el),
      backwards,
      styleKnown: !!before,
      styleChanged: before ? before.length !== now.length || before.some((v, i) => v !== now[i])
        : null,
      visible: rv.visible(el),
      obscured: obscured(el),
    });
  };

  window.__rvWalk = {prepare, step, isTabbable};
})();
