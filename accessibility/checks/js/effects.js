// window.__rvFx: what an action (a key press, a click) did to the page, for the checks that
// press keys on widgets and compare the effect with a click's (keyboard-activation,
// disclosure-state, dialog-focus). Records DOM mutations, hash and history changes and
// window.open calls; navigations that leave the page are caught by the Python side
// (accessibility/checks/activation.py), which answers them with 204 No Content so the page stays put.
(() => {
  if (window.__rvFx) return;
  let targets = [];
  const noisy = [];
  const observer = new MutationObserver((list) => { for (const m of list) targets.push(m.target); });
  observer.observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
  let opened = 0;
  let href = location.href;
  let historyLength = history.length;
  window.open = function () { opened += 1; return null; };
  const drain = () => { for (const m of observer.takeRecords()) targets.push(m.target); };
  const inNoise = (node) => noisy.some((n) => n === node || n.contains(node));
  window.__rvFx = {
    // Everything that changed by itself while we only watched (a clock, a carousel) is noise.
    learnNoise() {
      drain();
      for (const t of targets) if (!inNoise(t)) noisy.push(t.nodeType === 1 ? t : t.parentNode);
      targets = [];
    },
    start() {
      drain();
      targets = [];
      opened = 0;
      href = location.href;
      historyLength = history.length;
    },
    effect() {
      drain();
      const real = targets.filter((t) => t && !inNoise(t));
      return {
        mutations: real.length,
        moved: location.href !== href || history.length !== historyLength,
        opened,
        hrefBefore: href,
        hrefAfter: location.href,
      };
    },
  };
})();
