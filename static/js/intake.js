/* The H5 intake page: draft kept on the phone, the upload widget (uploads.js: thumbnails,
   progress, retry), 我的反馈, large text. The page works without any of this. */
(function () {
  "use strict";
  var MINE = "msb-mine", SENT = "msb-sent", store = window.localStorage;
  function get(k, d) { try { var v = store.getItem(k); return v ? JSON.parse(v) : d; } catch (e) { return d; } }
  function put(k, v) { try { store.setItem(k, JSON.stringify(v)); } catch (e) { /* private mode, full */ } }
  var root = document.documentElement;
  root.classList.add("js");

  function $(sel, el) { return (el || document).querySelector(sel); }
  function $$(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; }

  /* The link works alone (the server sets the cookie and comes back); here the same cookie is
     set in place, without the round trip. */
  function setupLarge() {
    $$("[data-large-toggle]").forEach(function (b) {
      b.addEventListener("click", function (e) {
        e.preventDefault();
        var on = root.classList.toggle("large-text");
        document.cookie = "msb-large=" + (on ? "1" : "0") + "; path=/; max-age=31536000; samesite=lax";
        b.setAttribute("aria-pressed", on);
        b.href = b.href.replace(/([?&]on=)[01]/, "$1" + (on ? "0" : "1"));
      });
    });
  }

  /* 我的反馈: the cases sent from this phone, then each one's state from the server (only for a
     returning visitor: a first scan makes no extra request). */
  function setupMine() {
    var box = $("[data-mine]"), list = $("[data-mine-list]"), mine = get(MINE, []);
    if (!box || !mine.length) return;
    var rows = {};
    mine.slice(-5).reverse().forEach(function (m) {
      var a = el("a", "cell mine-item");
      a.href = "/t/" + encodeURIComponent(m.no);
      a.append(el("span", "cell-body", m.no + "（" + m.at + "）"), el("span", "tag", "查看"));
      list.appendChild(a);
      rows[m.no] = a;
    });
    box.hidden = false;
    var x = new XMLHttpRequest();
    x.open("GET", "/t/mine.json");
    x.onload = function () {
      if (x.status !== 200) return;
      var body; try { body = JSON.parse(x.responseText); } catch (e) { return; }
      (body.cases || []).forEach(function (c) {
        var a = rows[c.no]; if (!a) return;
        var tag = a.lastChild;
        tag.textContent = c.awaits_rating ? "已答复，待您评价" : c.state;
        tag.className = "tag " + (c.awaits_rating ? "tag-orange" : c.finished ? "tag-green" : "tag-blue");
      });
    };
    x.send();
  }

  /* Back from the receipt shows the sent form again (bfcache or form restore): a fresh page. */
  function sentAlready(key) { return get(SENT, []).indexOf(key) >= 0; }

  function setupReceipt() {
    var r = $("[data-receipt]");
    if (!r) return;
    var draft = get("msb-draft:" + r.dataset.token, null);
    if (draft && draft.key === r.dataset.key) store.removeItem("msb-draft:" + r.dataset.token);
    put(SENT, get(SENT, []).filter(function (k) { return k !== r.dataset.key; }).concat([r.dataset.key]).slice(-10));
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
    if (sentAlready(keyInput.value)) { location.replace(location.pathname); return; }

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
      (draft.uploads || []).forEach(function (u) {
        w.add({ id: u.id, name: u.name, kind: u.kind, restored: true,
          url: form.dataset.uploadUrl + "/" + encodeURIComponent(u.id) + "?key=" + encodeURIComponent(keyInput.value) });
      });
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
    var first = $("[aria-invalid=true]", form) || $(".field-error");
    if (first) { first.scrollIntoView({ block: "center" }); if (first.focus && first.tagName !== "DIV") first.focus({ preventScroll: true }); }
    window.addEventListener("pageshow", function (e) { if (e.persisted && sentAlready(keyInput.value)) { location.replace(location.pathname); return; } $$("[data-pick] input[type=file]").forEach(function (i) { i.disabled = false; }); var b = $("[data-submit]"); b.disabled = false; b.textContent = "提交"; });
    var t = $("[data-toggle-privacy]");
    if (t) t.addEventListener("click", function (e) { e.preventDefault(); $("#privacy").classList.toggle("open"); });
  }

  document.addEventListener("DOMContentLoaded", function () { setupLarge(); setupMine(); setupReceipt(); setupForm(); });
})();
