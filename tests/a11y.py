"""Measure tap targets and text contrast in a Playwright page (WCAG 2.5.5 and 1.4.3).

`offenders(page)` returns one line per element that fails, naming it: interactive elements
smaller than 44×44 CSS px (a checkbox or radio inside a <label> is measured by its label; a link
inside a sentence is exempt, as WCAG exempts inline targets), and text whose contrast with the
background behind it is below 4.5:1 (3:1 for large text: ≥ 24 px, or ≥ 18.66 px bold).
Colours come from getComputedStyle; the background is found by walking up the ancestors and
compositing their background colours until an opaque one."""

MIN_TARGET = 44

_SCRIPT = r"""
(minTarget) => {
  function parse(c) {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  }
  function over(top, bottom) {
    const a = top.a + bottom.a * (1 - top.a);
    if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
    const mix = k => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
    return { r: mix("r"), g: mix("g"), b: mix("b"), a: a };
  }
  function background(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      const c = parse(s.backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = { r: 255, g: 255, b: 255, a: 1 };  // the canvas
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  }
  function lum(c) {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  function ratio(a, b) { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); }
  function visible(el) {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none" && parseFloat(s.opacity) > 0;
  }
  function name(el) {
    let n = el.tagName.toLowerCase();
    if (el.id) n += "#" + el.id;
    if (el.className && typeof el.className === "string") n += "." + el.className.trim().split(/\s+/).join(".");
    if (el.name) n += "[name=" + el.name + "]";
    const t = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().replace(/\s+/g, " ");
    return n + (t ? " “" + t.slice(0, 24) + "”" : "");
  }
  const out = [];
  // Tap targets.
  const interactive = document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, [role=button]");
  for (const el of interactive) {
    if (el.closest("[hidden]") || el.disabled) continue;
    let target = el;
    const label = el.closest("label");
    if (label && el.matches("input, select, textarea")) target = label;
    if (!visible(target)) continue;
    const s = getComputedStyle(el);
    if (el.tagName === "A" && s.display === "inline" && el.parentElement) {
      const own = (el.innerText || "").trim().length;
      const around = (el.parentElement.innerText || "").trim().length;
      if (around > own) continue;  // a link inside a sentence
    }
    const r = target.getBoundingClientRect();
    if (r.width < minTarget - 0.5 || r.height < minTarget - 0.5)
      out.push("tap target " + Math.round(r.width) + "×" + Math.round(r.height) + " px < " + minTarget + ": " + name(el));
  }
  // Text contrast: every element with text of its own.
  for (const el of document.body.querySelectorAll("*")) {
    if (["SCRIPT", "STYLE", "NOSCRIPT", "OPTION"].includes(el.tagName)) continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    const field = el.matches("input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), textarea, select") && (el.value || "").trim();
    if (!own && !field) continue;
    if (!visible(el) || el.closest("[hidden]") || el.disabled || el.closest("[aria-hidden=true]")) continue;
    const s = getComputedStyle(el);
    const fg = parse(s.color);
    if (!fg) continue;
    const bg = background(el);
    const c = ratio(over(fg, bg), bg);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
    const large = size >= 24 || (size >= 18.66 && bold);
    const need = large ? 3 : 4.5;
    if (c < need - 0.005)
      out.push("contrast " + c.toFixed(2) + ":1 < " + need + ":1 (" + s.color + " on rgb(" +
               [bg.r, bg.g, bg.b].map(Math.round).join(",") + "), " + size + "px): " + name(el));
  }
  return out;
}
"""


def offenders(page) -> list[str]:
    return page.evaluate(_SCRIPT, MIN_TARGET)
