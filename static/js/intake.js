/* The H5 intake page: draft kept on the phone, photos shrunk before upload, one request per
   file with progress and retry, 我的反馈, large text. The page works without any of this. */
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

  function shrink(file) {
    /* JPEG/PNG only (HEIC goes as is: the server converts it). 2,048 px long side keeps a
       phone photo under iOS's canvas limit; createImageBitmap applies EXIF orientation. */
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png)$/.test(file.type) || !window.createImageBitmap || file.size < 300000) return resolve(file);
      createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
        var s = Math.min(1, 2048 / Math.max(bmp.width, bmp.height));
        var c = document.createElement("canvas");
        c.width = Math.round(bmp.width * s); c.height = Math.round(bmp.height * s);
        var g = c.getContext("2d");
        g.fillStyle = "#fff"; g.fillRect(0, 0, c.width, c.height);
        g.drawImage(bmp, 0, 0, c.width, c.height);
        c.toBlob(function (b) { resolve(b && b.size < file.size ? new File([b], file.name.replace(/\.png$/i, ".jpg"), { type: "image/jpeg" }) : file); }, "image/jpeg", 0.85);
      }, function () { resolve(file); });
    });
  }

  function setupForm() {
    var form = $("form[data-intake]");
    if (!form) return;
    var token = form.dataset.token, KEY = "msb-draft:" + token;
    var keyInput = form.elements.submission_key, csrf = form.elements.csrf_token.value;
    var list = $("[data-files]"), busy = 0;
    var fields = ["category", "content", "contact_name", "contact_phone", "enterprise_name"];
    var draft = get(KEY, null);
    var uploads = [];

    function save() {
      var d = { key: keyInput.value, uploads: uploads.filter(function (u) { return u.id; })
        .map(function (u) { return { id: u.id, name: u.name, kind: u.kind }; }) };
      fields.forEach(function (f) { if (form.elements[f]) d[f] = form.elements[f].value; });
      d.anonymous = form.elements.anonymous.checked;
      put(KEY, d);
    }
    if (draft && !form.hasAttribute("data-server-values")) {
      fields.forEach(function (f) { if (form.elements[f] && draft[f]) form.elements[f].value = draft[f]; });
      form.elements.anonymous.checked = !!draft.anonymous;
      if (draft.key) keyInput.value = draft.key;
      (draft.uploads || []).forEach(function (u) { addItem({ id: u.id, name: u.name, kind: u.kind, restored: true }); });
    }
    var counter = $("[data-counter]");
    function count() { var n = form.elements.content.value.length; counter.textContent = n; counter.parentNode.classList.toggle("over", n > 2000 || (n > 0 && n < 5)); }
    form.addEventListener("input", function () { count(); save(); });
    form.addEventListener("change", save);
    count();

    function addItem(u) {
      var li = el("li", "file");
      var preview = u.url && u.kind === "photo" ? el("img") : el("div", "vid");
      if (u.url && u.kind === "photo") { preview.src = u.url; preview.alt = ""; }
      var name = el("span", "file-name", (u.kind === "video" ? "视频 · " : "照片 · ") + u.name);
      var bar = el("div", "bar"); bar.appendChild(el("i"));
      var msg = el("span", "msg");
      var x = el("button", "x", "×"); x.type = "button"; x.setAttribute("aria-label", "删除 " + u.name);
      li.append(preview, name, bar, msg, x);
      list.appendChild(li);
      u.li = li; u.bar = bar.firstChild; u.msg = msg;
      if (u.restored) { li.classList.add("done"); u.bar.style.width = "100%"; }
      x.addEventListener("click", function () { remove(u); });
      uploads.push(u);
      return u;
    }
    function remove(u) {
      if (u.xhr) u.xhr.abort();
      if (u.id) {
        var x = new XMLHttpRequest();
        x.open("DELETE", form.dataset.uploadUrl + "/" + encodeURIComponent(u.id) + "?key=" + encodeURIComponent(keyInput.value));
        x.setRequestHeader("X-CSRFToken", csrf); x.send();
      }
      u.li.remove(); uploads = uploads.filter(function (v) { return v !== u; }); save();
    }
    function fail(u, text) {
      u.li.classList.add("failed"); u.msg.textContent = text;
      var retry = el("button", "retry", "重试"); retry.type = "button";
      retry.addEventListener("click", function () { retry.remove(); send(u); });
      u.msg.appendChild(retry);
    }
    function send(u) {
      var max = u.kind === "video" ? +form.dataset.videoMax : +form.dataset.photoMax;
      u.li.classList.remove("failed"); u.msg.textContent = "";
      if (u.file.size > max) { u.msg.textContent = "“" + u.name + "”超过" + (u.kind === "video" ? "视频" : "照片") + "大小上限" + Math.floor(max / 1048576) + "MB"; u.li.classList.add("failed"); return; }
      busy++;
      var fd = new FormData(); fd.append("file", u.file, u.name);
      var x = u.xhr = new XMLHttpRequest();
      x.open("POST", form.dataset.uploadUrl + "?key=" + encodeURIComponent(keyInput.value));
      x.setRequestHeader("X-CSRFToken", csrf);
      x.upload.onprogress = function (e) { if (e.lengthComputable) u.bar.style.width = Math.round(e.loaded / e.total * 100) + "%"; };
      x.onload = function () {
        busy--; u.xhr = null;
        var body = {}; try { body = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
        if (x.status === 201) { u.id = body.id; u.li.classList.add("done"); u.bar.style.width = "100%"; save(); }
        else if (x.status >= 400 && x.status < 500 && x.status !== 408 && x.status !== 429) { u.li.classList.add("failed"); u.msg.textContent = body.message || "无法上传"; }
        else fail(u, "上传失败，");
      };
      x.onerror = x.ontimeout = function () { busy--; u.xhr = null; fail(u, "网络中断，"); };
      x.send(fd);
    }
    $$("[data-pick] input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () {
        Array.prototype.forEach.call(input.files, function (f) {
          var kind = /^video\//.test(f.type) ? "video" : "photo";
          var u = addItem({ name: f.name, kind: kind, url: kind === "photo" && /^image\/(jpeg|png)$/.test(f.type) ? URL.createObjectURL(f) : null });
          u.file = f;
          busy++;
          (kind === "photo" ? shrink(f) : Promise.resolve(f)).then(function (g) { busy--; u.file = g; send(u); });
        });
        input.value = "";
      });
    });
    form.addEventListener("submit", function (e) {
      if (busy > 0) { e.preventDefault(); alert("文件还在上传，请稍候再提交"); return; }
      if (uploads.some(function (u) { return !u.id; })) { e.preventDefault(); alert("有文件未上传成功，请点“重试”或删除后再提交"); return; }
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
