/* The H5 intake page: draft kept on the phone, the upload widget (uploads.js: thumbnails,
   progress, retry), 我的反馈, large text. The page works without any of this. */
(function () {
  "use strict";
  var LARGE = "msb-large", MINE = "msb-mine", store = window.localStorage;
  function get(k, d) { try { var v = store.getItem(k); return v ? JSON.parse(v) : d; } catch (e) { return d; } }
  function put(k, v) { try { store.setItem(k, JSON.stringify(v)); } catch (e) { /* private mode, full */ } }
  var root = document.documentElement;
  root.classList.add("js");
  if (get(LARGE, false)) root.classList.add("large-text");

  function $(sel, el) { return (el || document).querySelector(sel); }
  function $$(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; }

  function setupLarge() {
    $$("[data-large-toggle]").forEach(function (b) {
      b.setAttribute("aria-pressed", root.classList.contains("large-text"));
      b.addEventListener("click", function () {
        var on = root.classList.toggle("large-text");
        put(LARGE, on);
        b.setAttribute("aria-pressed", on);
      });
    });
  }

  function setupMine() {
    var box = $("[data-mine]"), list = $("[data-mine-list]"), mine = get(MINE, []);
    if (!box || !mine.length) return;
    mine.slice(-5).reverse().forEach(function (m) {
      var a = el("a", "cell", "受理编号 " + m.no + "（" + m.at + "）");
      a.href = "/t/" + encodeURIComponent(m.no);
      list.appendChild(a);
    });
    box.hidden = false;
  }

  function setupReceipt() {
    var r = $("[data-receipt]");
    if (!r) return;
    var draft = get("msb-draft:" + r.dataset.token, null);
    if (draft && draft.key === r.dataset.key) store.removeItem("msb-draft:" + r.dataset.token);
    var mine = get(MINE, []).filter(function (m) { return m.no !== r.dataset.tracking; });
    var d = new Date();
    mine.push({ no: r.dataset.tracking, at: (d.getMonth() + 1) + "月" + d.getDate() + "日" });
    put(MINE, mine.slice(-20));
  }

  function setupForm() {
    var form = $("form[data-intake]");
    if (!form) return;
    var token = form.dataset.token, KEY = "msb-draft:" + token;
    var keyInput = form.elements.submission_key, csrf = form.elements.csrf_token.value;
    var fields = ["category", "content", "contact_name", "contact_phone", "enterprise_name"];
    var draft = get(KEY, null);
    var w;

    function save() {
      var d = { key: keyInput.value, uploads: w.items().filter(function (u) { return u.id; })
        .map(function (u) { return { id: u.id, name: u.name, kind: u.kind }; }) };
      fields.forEach(function (f) { if (form.elements[f]) d[f] = form.elements[f].value; });
      d.anonymous = form.elements.anonymous.checked;
      put(KEY, d);
    }
    w = window.MsbUploads.widget({
      list: $("[data-files]"), inputs: $$("[data-pick] input[type=file]"), url: form.dataset.uploadUrl,
      key: function () { return keyInput.value; }, csrf: csrf,
      photoMax: +form.dataset.photoMax, videoMax: +form.dataset.videoMax, onChange: save
    });
    if (draft && !form.hasAttribute("data-server-values")) {
      fields.forEach(function (f) { if (form.elements[f] && draft[f]) form.elements[f].value = draft[f]; });
      form.elements.anonymous.checked = !!draft.anonymous;
      if (draft.key) keyInput.value = draft.key;
      (draft.uploads || []).forEach(function (u) { w.add({ id: u.id, name: u.name, kind: u.kind, restored: true }); });
    }
    var counter = $("[data-counter]");
    function count() { var n = form.elements.content.value.length; counter.textContent = n; counter.parentNode.classList.toggle("over", n > 2000 || (n > 0 && n < 5)); }
    form.addEventListener("input", function () { count(); save(); });
    form.addEventListener("change", save);
    count();

    form.addEventListener("submit", function (e) {
      var why = w.blocker();
      if (why) { e.preventDefault(); alert(why); return; }
      save();
      $$("[data-pick] input[type=file]").forEach(function (i) { i.disabled = true; });
      var b = $("[data-submit]"); setTimeout(function () { b.disabled = true; b.textContent = "正在提交…"; }, 0);
    });
    window.addEventListener("pageshow", function () { $$("[data-pick] input[type=file]").forEach(function (i) { i.disabled = false; }); var b = $("[data-submit]"); b.disabled = false; b.textContent = "提交"; });
    var t = $("[data-toggle-privacy]");
    if (t) t.addEventListener("click", function (e) { e.preventDefault(); $("#privacy").classList.toggle("open"); });
  }

  document.addEventListener("DOMContentLoaded", function () { setupLarge(); setupMine(); setupReceipt(); setupForm(); });
})();
